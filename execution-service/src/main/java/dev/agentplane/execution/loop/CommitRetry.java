package dev.agentplane.execution.loop;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.transaction.TransactionOperations;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a journal transaction again when PostgreSQL failed it for a reason that passes: a
 * serialization failure or a deadlock ({@code 40001}, {@code 40P01}), or a lost connection
 * (SQLSTATE class {@code 08}, or {@code 57P01}: the backend was terminated). The first two were
 * rolled back whole, so the transaction is simply written again.
 *
 * <p>A transaction whose work failed never sent its {@code COMMIT}, so it committed nothing, even
 * when the connection broke under it: it is simply written again too. But a {@code COMMIT} that got
 * no answer may have been carried out before the connection went (a backend terminated while a
 * committed transaction waited for a synchronous standby, a network cut after the commit record was
 * flushed): writing that transaction again would append its step a second time, since a commit
 * keeps the lease and the fenced update still matches. So each try records its transaction id as
 * its first write returns ({@link Attempt#wroteIn}), and a commit that failed is looked up on a
 * fresh connection with {@code pg_xact_status}: committed → its result stands and nothing is
 * written again; aborted → written again; still in progress after {@link #RESOLVE_WITHIN}, or the
 * database unreachable → {@link CommitOutcomeUnknownException}: the worker stops, its lease lapses,
 * and the next claim carries on from whatever did commit, as after a crash. (A commit found
 * committed this way wakes this instance's SSE streams and the relay only at their next poll.)
 *
 * <p>Tries are bounded ({@code journal.commit-attempts}) with a doubling, jittered back-off from
 * {@code journal.retry-backoff}. Every try is fenced by the lease exactly as the first was: a lease
 * taken over meanwhile refuses it. Needs PostgreSQL 13 or newer ({@code pg_current_xact_id}).
 */
final class CommitRetry {

  /** Tries written again, by the failure that caused them ({@code cause}). */
  static final String RETRIES_METRIC = "agentplane.execution.journal.retries";

  /**
   * Commits whose answer was lost, by what {@code pg_xact_status} said of them ({@code outcome}).
   */
  static final String IN_DOUBT_METRIC = "agentplane.execution.journal.in.doubt";

  /** How long a commit that got no answer may stay "in progress" before it is given up. */
  static final Duration RESOLVE_WITHIN = Duration.ofSeconds(5);

  private static final Duration RESOLVE_POLL = Duration.ofMillis(20);

  private static final Logger LOG = LoggerFactory.getLogger(CommitRetry.class);

  /** A failure PostgreSQL may not repeat if the transaction is tried again. */
  enum Cause {
    SERIALIZATION_FAILURE,
    DEADLOCK_DETECTED,
    CONNECTION_LOST;

    /** The transient cause of {@code failure}, read from the SQLSTATE of any SQLException in it. */
    static Cause of(Throwable failure) {
      Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
      Deque<Throwable> toSee = new ArrayDeque<>();
      toSee.add(failure);
      while (!toSee.isEmpty()) {
        Throwable next = toSee.poll();
        if (!seen.add(next)) {
          continue;
        }
        if (next instanceof SQLException sql && sql.getSQLState() != null) {
          String state = sql.getSQLState();
          switch (state) {
            case "40001" -> {
              return SERIALIZATION_FAILURE;
            }
            case "40P01" -> {
              return DEADLOCK_DETECTED;
            }
            case "57P01" -> {
              return CONNECTION_LOST;
            }
            default -> {
              if (state.startsWith("08")) {
                return CONNECTION_LOST;
              }
            }
          }
        }
        // A failed commit's rollback may fail too: the cause can hide behind either exception.
        if (next.getCause() != null) {
          toSee.add(next.getCause());
        }
        toSee.addAll(List.of(next.getSuppressed()));
      }
      return null;
    }

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What {@code pg_xact_status} made of a transaction whose answer was lost. */
  enum Outcome {
    COMMITTED,
    ABORTED,
    UNKNOWN
  }

  /**
   * One try of a transaction: its id once its first write returned, and how its work ended: what it
   * answered, or what it threw.
   */
  static final class Attempt<T> {
    private String transactionId;
    private boolean returned;
    private T result;
    private RuntimeException failure;

    private T run(Function<Attempt<T>, T> transaction) {
      try {
        result = transaction.apply(this);
        returned = true;
        return result;
      } catch (RuntimeException e) {
        failure = e;
        throw e;
      }
    }

    /**
     * Records the transaction id ({@code pg_current_xact_id()::text}) its first write returned: a
     * commit of the try that gets no answer is looked up by it.
     */
    void wroteIn(String id) {
      if (transactionId == null) {
        transactionId = id;
      }
    }
  }

  private final JdbcOperations jdbc;
  private final TransactionOperations<Connection> transactions;
  private final int attempts;
  private final Duration backoff;
  private final Map<Cause, Counter> retries = new EnumMap<>(Cause.class);
  private final Map<Outcome, Counter> inDoubt = new EnumMap<>(Outcome.class);

  CommitRetry(
      JdbcOperations jdbc,
      TransactionOperations<Connection> transactions,
      JournalSettings settings,
      MeterRegistry meters) {
    this.jdbc = jdbc;
    this.transactions = transactions;
    this.attempts = Math.max(1, settings.commitAttempts());
    this.backoff = settings.retryBackoff();
    for (Cause cause : Cause.values()) {
      retries.put(
          cause,
          Counter.builder(RETRIES_METRIC)
              .description("Journal transactions written again after a transient failure")
              .tag("cause", cause.tag())
              .register(meters));
    }
    for (Outcome outcome : Outcome.values()) {
      inDoubt.put(
          outcome,
          Counter.builder(IN_DOUBT_METRIC)
              .description("Journal commits that got no answer, by what became of them")
              .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
              .register(meters));
    }
  }

  /**
   * Runs {@code transaction} in a write transaction of its own, again after a transient failure. It
   * must record its transaction id through {@link Attempt#wroteIn} with its first write.
   *
   * @throws CommitOutcomeUnknownException when a try's commit got no answer and PostgreSQL could
   *     not say whether it went through
   */
  <T> T write(Function<Attempt<T>, T> transaction) {
    for (int attempt = 1; ; attempt++) {
      Attempt<T> current = new Attempt<>();
      RuntimeException failure;
      Cause cause;
      try {
        return transactions.executeWrite(status -> current.run(transaction));
      } catch (RuntimeException thrown) {
        if (current.returned) {
          // Every statement went through and the commit did not answer: only PostgreSQL knows.
          if (current.transactionId == null) {
            return current.result; // it wrote nothing, so committed or not it is the same
          }
          Outcome outcome = outcomeOf(current.transactionId);
          inDoubt.get(outcome).increment();
          LOG.warn(
              "A journal commit got no answer; transaction {} {}",
              current.transactionId,
              switch (outcome) {
                case COMMITTED -> "had committed: it is not written again";
                case ABORTED -> "had not committed";
                case UNKNOWN -> "is of unknown outcome: the worker stops";
              });
          if (outcome == Outcome.COMMITTED) {
            return current.result;
          }
          if (outcome == Outcome.UNKNOWN) {
            throw new CommitOutcomeUnknownException(current.transactionId, thrown);
          }
          failure = thrown;
          Cause known = Cause.of(thrown);
          cause = known == null ? Cause.CONNECTION_LOST : known;
        } else {
          // The transaction never reached its COMMIT, so it committed nothing. What the work
          // threw says why; cleaning the broken connection up may have thrown something else.
          failure = current.failure != null ? current.failure : thrown;
          cause = Cause.of(failure);
          if (cause == null) {
            throw failure;
          }
        }
      }
      if (attempt >= attempts) {
        throw failure;
      }
      retries.get(cause).increment();
      LOG.info(
          "A journal transaction failed ({}), try {} of {}; writing it again",
          cause.tag(),
          attempt,
          attempts);
      LOG.debug("The failure of try {}", attempt, failure);
      backOff(attempt);
    }
  }

  /**
   * Asks PostgreSQL, on a fresh connection, what became of a transaction; waits while it is still
   * in progress (a terminated backend rolls back as it exits; a commit sent finishes).
   */
  private Outcome outcomeOf(String transactionId) {
    long deadline = System.nanoTime() + RESOLVE_WITHIN.toNanos();
    while (true) {
      String status;
      try {
        status =
            transactions.executeRead(
                read ->
                    jdbc.prepareStatement(
                        "SELECT pg_xact_status(?::xid8)",
                        statement -> {
                          statement.setString(1, transactionId);
                          try (ResultSet rows = statement.executeQuery()) {
                            return rows.next() ? rows.getString(1) : null;
                          }
                        }));
      } catch (RuntimeException unreachable) {
        if (Cause.of(unreachable) != Cause.CONNECTION_LOST) {
          return Outcome.UNKNOWN;
        }
        status = "in progress";
      }
      if ("committed".equals(status)) {
        return Outcome.COMMITTED;
      }
      if ("aborted".equals(status)) {
        return Outcome.ABORTED;
      }
      // "in progress", or null (an id too old to know, which a transaction just lost cannot be).
      if (status == null || System.nanoTime() > deadline) {
        return Outcome.UNKNOWN;
      }
      LockSupport.parkNanos(RESOLVE_POLL.toNanos());
    }
  }

  private void backOff(int attempt) {
    long base = backoff.toNanos() << Math.min(attempt - 1, 10);
    // Jitter: transactions that failed together (a deadlock's two sides) do not meet again.
    LockSupport.parkNanos(base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1));
  }
}
