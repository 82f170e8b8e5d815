package dev.agentplane.execution.loop;

import dev.agentplane.contracts.RunEvent;
import dev.agentplane.execution.run.RunEventLog;
import dev.agentplane.kit.tenancy.TenantScope;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the step commits of many runs that arrive together in one transaction: one fenced update
 * of every run row with its checkpoint, one insert of every event, one outbox batch, one WAL flush.
 * PostgreSQL groups the flushes of concurrent commits, but each still pays its own statements and
 * its own commit record; here a batch pays them once. A commit never waits for company: a writer
 * takes whatever is queued the moment it is free, so under light load each commit is a batch of one
 * and costs what it would alone.
 *
 * <p>Fencing is per run, inside the batch: a run whose lease is no longer current matches no row of
 * the update, so nothing of it is written and only its worker hears {@link StaleLeaseException}. A
 * batch that fails transiently (a serialization failure, a deadlock, a lost connection) is written
 * again as a batch, and one whose lost answer had in fact committed is not ({@link CommitRetry}).
 * Should a batch fail as a whole otherwise (one bad event), each of its commits is written again on
 * its own, so every commit gets its own outcome; should its outcome stay unknown, each of its
 * workers hears so, since writing any of them again could write it twice.
 *
 * <p>Row-level security holds a transaction to one tenant at a time: the batch is written tenant by
 * tenant, each share after binding the transaction to its tenant ({@link
 * TenantScope#bindTransaction}), with the same statements as a whole batch. A batch of one tenant
 * costs what it did before row-level security plus the binding every transaction pays (sent with
 * {@code BEGIN}); each further tenant costs one more binding and its own statements.
 */
final class GroupCommit {

  /** How many step commits each group commit carried. */
  static final String BATCH_METRIC = "agentplane.execution.journal.batch";

  private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);

  /** A worker's commit, waiting for the batch that will carry it. */
  private record Pending(
      Lease lease, Commit commit, CompletableFuture<RunJournal.Committed> done) {}

  /**
   * A run row the batch's update moved: the run's last event number after it, and the cancel flag.
   */
  private record Moved(long lastSequence, boolean cancelRequested) {}

  static final String ADVANCE =
      """
      WITH step AS (
          SELECT * FROM unnest(?::uuid[], ?::bigint[], ?::text[], ?::int[], ?::int[], ?::bigint[],
              ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::int[],
              ?::int[], ?::text[])
          AS s(id, epoch, owner, events, steps, input_tokens, output_tokens, cost_micros,
              ending, output, error_code, error_message, checkpoint_seq, checkpoint_parent,
              checkpoint)
      ), locked AS (
          SELECT run.id FROM run JOIN step s ON run.id = s.id
          ORDER BY run.id FOR NO KEY UPDATE OF run
      ), moved AS (
          UPDATE run SET last_seq = run.last_seq + s.events, steps = s.steps,
              input_tokens = s.input_tokens, output_tokens = s.output_tokens,
              cost_micros = s.cost_micros,
              status = coalesce(s.ending, run.status),
              output = CASE WHEN s.ending IS NULL THEN run.output ELSE s.output::jsonb END,
              error_code = CASE WHEN s.ending IS NULL THEN run.error_code ELSE s.error_code END,
              error_message =
                  CASE WHEN s.ending IS NULL THEN run.error_message ELSE s.error_message END,
              finished_at = CASE WHEN s.ending IS NULL THEN run.finished_at ELSE now() END,
              lease_owner = CASE WHEN s.ending IS NULL THEN run.lease_owner END,
              lease_expires_at = CASE WHEN s.ending IS NULL THEN run.lease_expires_at END
          FROM step s JOIN locked l ON l.id = s.id
          WHERE run.id = s.id AND run.epoch = s.epoch AND run.lease_owner = s.owner
          RETURNING run.id, run.tenant_id, run.epoch, run.last_seq,
              run.cancel_requested_at IS NOT NULL AS cancel, s.owner
      ), saved AS (
          INSERT INTO run_checkpoint (run_id, seq, parent_seq, tenant_id, epoch, step, state)
          SELECT m.id, s.checkpoint_seq, s.checkpoint_parent, m.tenant_id, m.epoch, s.steps,
              s.checkpoint::jsonb
          FROM moved m JOIN step s ON s.id = m.id AND s.epoch = m.epoch AND s.owner = m.owner
          WHERE s.checkpoint IS NOT NULL
      )
      SELECT id, epoch, last_seq, cancel, pg_current_xact_id()::text AS xid FROM moved
      """;

  private final JdbcOperations jdbc;
  private final CommitRetry retry;
  private final RunEventLog events;
  private final BiFunction<Lease, Commit, RunJournal.Committed> alone;
  private final int maxBatch;
  private final DistributionSummary batchSizes;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final List<Thread> writers = new ArrayList<>();
  private volatile boolean stopping;

  /**
   * @param alone writes one commit in a transaction of its own, for batches that failed as a whole
   */
  GroupCommit(
      JdbcOperations jdbc,
      CommitRetry retry,
      RunEventLog events,
      BiFunction<Lease, Commit, RunJournal.Committed> alone,
      JournalSettings settings,
      MeterRegistry meters) {
    this.jdbc = jdbc;
    this.retry = retry;
    this.events = events;
    this.alone = alone;
    this.maxBatch = Math.max(1, settings.maxBatch());
    this.batchSizes =
        DistributionSummary.builder(BATCH_METRIC)
            .description("Step commits written together in one group commit transaction")
            .register(meters);
    for (int i = 0; i < settings.writers(); i++) {
      Thread writer =
          Thread.ofPlatform()
              .daemon()
              .name("journal-writer-" + i)
              .unstarted(this::writeUntilStopped);
      writers.add(writer);
      writer.start();
    }
  }

  /** Whether commits are grouped at all ({@code journal.writers} above 0). */
  boolean enabled() {
    return !writers.isEmpty();
  }

  /**
   * Writes {@code commit} in the next batch and waits for it.
   *
   * @throws StaleLeaseException when the lease is no longer current; nothing was written
   */
  RunJournal.Committed commit(Lease lease, Commit commit) {
    if (stopping) {
      return alone.apply(lease, commit);
    }
    Pending pending = new Pending(lease, commit, new CompletableFuture<>());
    queue.add(pending);
    try {
      return pending.done().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    }
  }

  /** Stops the writers; what is still queued is written by its own worker, alone. */
  void stop() {
    stopping = true;
    writers.forEach(Thread::interrupt);
    for (Thread writer : writers) {
      try {
        writer.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    List<Pending> left = new ArrayList<>();
    queue.drainTo(left);
    left.forEach(this::writeAlone);
  }

  private void writeUntilStopped() {
    List<Pending> batch = new ArrayList<>(maxBatch);
    while (!stopping) {
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        break;
      }
      queue.drainTo(batch, maxBatch - 1);
      write(batch);
      batch.clear();
    }
  }

  private void write(List<Pending> batch) {
    batchSizes.record(batch.size());
    Map<Pending, Moved> moved;
    try {
      Map<String, List<Pending>> byTenant = new LinkedHashMap<>();
      for (Pending pending : batch) {
        byTenant.computeIfAbsent(pending.lease().tenantId(), id -> new ArrayList<>()).add(pending);
      }
      moved = retry.write(attempt -> writeTogether(byTenant, attempt));
    } catch (CommitOutcomeUnknownException unknown) {
      batch.forEach(pending -> pending.done().completeExceptionally(unknown));
      return;
    } catch (RuntimeException e) {
      if (batch.size() > 1) {
        LOG.debug("A group commit of {} failed; writing each alone", batch.size(), e);
      }
      batch.forEach(this::writeAlone);
      return;
    }
    for (Pending pending : batch) {
      Moved row = moved.get(pending);
      if (row == null) {
        pending
            .done()
            .completeExceptionally(
                new StaleLeaseException(pending.lease().runId(), pending.lease().epoch()));
      } else {
        pending
            .done()
            .complete(new RunJournal.Committed(row.lastSequence(), row.cancelRequested()));
      }
    }
  }

  private void writeAlone(Pending pending) {
    try {
      pending.done().complete(alone.apply(pending.lease(), pending.commit()));
    } catch (RuntimeException e) {
      pending.done().completeExceptionally(e);
    }
  }

  /**
   * The whole batch in the caller's transaction, one tenant's share after the other: answers the
   * commits whose lease held.
   */
  private Map<Pending, Moved> writeTogether(
      Map<String, List<Pending>> byTenant, CommitRetry.Attempt<Map<Pending, Moved>> attempt) {
    Map<Pending, Moved> moved = new HashMap<>();
    for (Map.Entry<String, List<Pending>> share : byTenant.entrySet()) {
      // The writer's transaction starts with no tenant; the first binding goes with its BEGIN.
      jdbc.execute(
          connection -> {
            TenantScope.bindTransaction(connection, share.getKey());
            return null;
          });
      moved.putAll(writeShare(share.getValue(), attempt));
    }
    return moved;
  }

  /** Commits of one tenant, in the transaction bound to it. */
  private Map<Pending, Moved> writeShare(
      List<Pending> batch, CommitRetry.Attempt<Map<Pending, Moved>> attempt) {
    Map<Pending, Moved> moved = advance(batch, attempt);
    List<RunEvent> numbered = new ArrayList<>();
    for (Pending pending : batch) {
      Moved row = moved.get(pending);
      if (row == null) {
        continue;
      }
      List<EventDraft> drafts = pending.commit().events;
      long first = row.lastSequence() - drafts.size() + 1;
      for (int i = 0; i < drafts.size(); i++) {
        numbered.add(drafts.get(i).at(first + i));
      }
    }
    events.append(numbered);
    return moved;
  }

  private Map<Pending, Moved> advance(
      List<Pending> batch, CommitRetry.Attempt<Map<Pending, Moved>> attempt) {
    int size = batch.size();
    UUID[] ids = new UUID[size];
    Long[] epochs = new Long[size];
    String[] owners = new String[size];
    Integer[] eventCounts = new Integer[size];
    Integer[] steps = new Integer[size];
    Long[] inputTokens = new Long[size];
    Long[] outputTokens = new Long[size];
    Long[] costs = new Long[size];
    String[] endings = new String[size];
    String[] outputs = new String[size];
    String[] errorCodes = new String[size];
    String[] errorMessages = new String[size];
    Integer[] checkpointSequences = new Integer[size];
    Integer[] checkpointParents = new Integer[size];
    String[] checkpoints = new String[size];
    Map<String, Pending> byLease = new HashMap<>();
    for (int i = 0; i < size; i++) {
      Pending pending = batch.get(i);
      Lease lease = pending.lease();
      Commit commit = pending.commit();
      RunState state = commit.state;
      ids[i] = lease.runId();
      epochs[i] = lease.epoch();
      owners[i] = lease.owner();
      eventCounts[i] = commit.events.size();
      steps[i] = state.steps();
      inputTokens[i] = state.usage().inputTokens();
      outputTokens[i] = state.usage().outputTokens();
      costs[i] = state.costMicros();
      if (commit.ending != null) {
        endings[i] = commit.ending.status().wire();
        outputs[i] = commit.ending.output() == null ? null : commit.ending.output().toString();
        errorCodes[i] = commit.ending.errorCode();
        errorMessages[i] = commit.ending.errorMessage();
      }
      if (commit.checkpoint) {
        checkpointSequences[i] = state.seq();
        checkpointParents[i] = state.seq() > 1 ? state.seq() - 1 : null;
        checkpoints[i] = state.toJson();
      }
      byLease.put(lease.runId() + "/" + lease.epoch(), pending);
    }
    return jdbc.prepareStatement(
        ADVANCE,
        statement -> {
          Connection connection = statement.getConnection();
          Object[][] columns = {
            ids,
            epochs,
            owners,
            eventCounts,
            steps,
            inputTokens,
            outputTokens,
            costs,
            endings,
            outputs,
            errorCodes,
            errorMessages,
            checkpointSequences,
            checkpointParents,
            checkpoints
          };
          String[] types = {
            "uuid", "bigint", "text", "int4", "int4", "bigint", "bigint", "bigint", "text", "text",
            "text", "text", "int4", "int4", "text"
          };
          for (int i = 0; i < columns.length; i++) {
            statement.setArray(i + 1, connection.createArrayOf(types[i], columns[i]));
          }
          Map<Pending, Moved> moved = new HashMap<>();
          try (ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
              attempt.wroteIn(rows.getString("xid"));
              Pending pending =
                  byLease.get(rows.getObject("id", UUID.class) + "/" + rows.getLong("epoch"));
              if (pending != null) {
                moved.put(pending, new Moved(rows.getLong("last_seq"), rows.getBoolean("cancel")));
              }
            }
          }
          return moved;
        });
  }
}
