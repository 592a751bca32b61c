package io.github.keyspaceevents.launcher;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Minimal RESP2 connection used to probe and administer a launched server without depending on a Redis client
 * library (the tests exercise the starter's own client; this one must not share its state).
 */
final class RespConnection implements AutoCloseable {

	private final Socket socket;

	private final InputStream in;

	private final OutputStream out;

	RespConnection(String host, int port, int timeoutMillis) throws IOException {
		this.socket = new Socket();
		this.socket.connect(new InetSocketAddress(host, port), timeoutMillis);
		this.socket.setSoTimeout(timeoutMillis);
		this.in = new BufferedInputStream(this.socket.getInputStream());
		this.out = this.socket.getOutputStream();
	}

	Object command(String... args) throws IOException {
		ByteArrayOutputStream request = new ByteArrayOutputStream();
		request.write(("*" + args.length + "\r\n").getBytes(StandardCharsets.UTF_8));
		for (String arg : args) {
			byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
			request.write(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.UTF_8));
			request.write(bytes);
			request.write("\r\n".getBytes(StandardCharsets.UTF_8));
		}
		this.out.write(request.toByteArray());
		this.out.flush();
		return readReply();
	}

	private Object readReply() throws IOException {
		int type = this.in.read();
		String line = readLine();
		return switch (type) {
			case '+' -> line;
			case '-' -> throw new RedisErrorReply(line);
			case ':' -> Long.parseLong(line);
			case '$' -> readBulk(Integer.parseInt(line));
			case '*' -> readArray(Integer.parseInt(line));
			case -1 -> throw new IOException("Connection closed by server");
			default -> throw new IOException("Unexpected RESP type '" + (char) type + "'");
		};
	}

	private Object readBulk(int length) throws IOException {
		if (length < 0) {
			return null;
		}
		byte[] data = this.in.readNBytes(length);
		readLine();
		return new String(data, StandardCharsets.UTF_8);
	}

	private Object readArray(int length) throws IOException {
		if (length < 0) {
			return null;
		}
		List<Object> items = new ArrayList<>(length);
		for (int i = 0; i < length; i++) {
			items.add(readReply());
		}
		return items;
	}

	private String readLine() throws IOException {
		StringBuilder line = new StringBuilder();
		int c;
		while ((c = this.in.read()) != '\r') {
			if (c == -1) {
				throw new IOException("Connection closed by server");
			}
			line.append((char) c);
		}
		this.in.read();
		return line.toString();
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

}
