/**
 * Tracked expirations: deadlines kept in a ledger in Redis, claimed on time by exactly one instance, retried on
 * failure and never lost to an outage.
 * <p>
 * <b>States.</b> Every tracked key has at most one live entry, in one of the states below, in one shard of its
 * namespace ({@code {namespace:n}:…}, one cluster slot):
 * <ul>
 * <li>{@code SCHEDULED}: in {@code due} (score: deadline, or retry time), no token;</li>
 * <li>{@code CLAIMED}: in {@code leased} (score: lease end), its claim's fencing token {@code n@dueAt} in
 * {@code tokens}, where {@code dueAt} is the server time from which its attempt may begin;</li>
 * <li>{@code DEAD}: in {@code dead}/{@code dead-index}, no live entry, the key deleted;</li>
 * <li>gone: handled or cancelled, the key deleted.</li>
 * </ul>
 * <b>Transitions</b>, each one Lua script ({@link io.github.keyspaceevents.tracking.LedgerScripts}), time always the
 * Redis server's:
 * <ul>
 * <li>write (any state → SCHEDULED): key and entry written together; a claim of an earlier write loses its token;</li>
 * <li>claim (SCHEDULED and due by now + claim-ahead → CLAIMED): by an instance with a handler matching the key; a
 * fresh token from the shard's counter; lease = now + lease;</li>
 * <li>begin (CLAIMED → CLAIMED, read only): for a claim made before its due time, at that time: its handlers run only
 * if the server's clock has reached {@code dueAt} and the token is still current. One call answers a whole burst:
 * before its lease ends a claim can only be lost to a cancel or re-write, which put its token in the shard's
 * {@code revoked} set (kept until that lease would have ended), so the holder checks its tokens against that set and
 * its lease end against the server's time; a holder whose lease may have ended looks its tokens up instead;</li>
 * <li>renew (CLAIMED → CLAIMED): by the token's holder, every third of the lease, while it waits or runs (a claim
 * younger than half of that is left for the next round);</li>
 * <li>done (CLAIMED → gone): by the token's holder; the key is deleted;</li>
 * <li>fail (CLAIMED → SCHEDULED at now + backoff, or → DEAD after the last attempt): by the token's holder;</li>
 * <li>give back (CLAIMED → SCHEDULED at now, or at {@code dueAt} if later, no attempt charged): by the token's
 * holder, when it stops before the handlers began or the shutdown interrupted them;</li>
 * <li>lapse (CLAIMED with lease end passed → SCHEDULED, an attempt charged, or → DEAD; → SCHEDULED at {@code dueAt},
 * nothing charged, if that has not come): by any instance's claim;</li>
 * <li>cancel (SCHEDULED or CLAIMED → gone): by anyone; reports the handlers as possibly running only once
 * {@code dueAt} has passed; a running attempt finishes but records nothing;</li>
 * <li>retry dead letter (DEAD → SCHEDULED, fresh attempts; refused while a live entry exists), delete and purge
 * (DEAD → gone).</li>
 * </ul>
 * <b>Fencing.</b> Renew, done, fail and give back name the token; when it is not the entry's current token (the lease
 * lapsed and another instance claimed it, or the key was cancelled or re-written), the script changes nothing. Hence
 * a stale holder can neither complete, retry, bury nor delete a key it no longer owns. On a Redis Cluster the tracked
 * key lives in another slot than its shard: it is written after its entry and deleted after its entry ended, so a
 * re-write landing between those two steps can lose the key's copy of the value (never its entry or expiry).
 */
@NullMarked
package io.github.keyspaceevents.tracking;

import org.jspecify.annotations.NullMarked;
