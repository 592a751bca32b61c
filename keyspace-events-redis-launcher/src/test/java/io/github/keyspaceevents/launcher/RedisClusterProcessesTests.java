package io.github.keyspaceevents.launcher;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RedisClusterProcessesTests {

	@Test
	void formsAClusterAndFailsOverWhenAMasterIsKilled() {
		try (RedisClusterProcesses cluster = RedisClusterProcesses.start(3)) {
			assertThat(cluster.currentMasters()).hasSize(3);
			RedisServerProcess killed = cluster.currentMasters().get(0);
			cluster.killMasterAndAwaitFailover(killed);
			assertThat(cluster.currentMasters()).hasSize(3).doesNotContain(killed);
		}
	}

}
