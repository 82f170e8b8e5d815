package dev.agentplane.execution.loop;

import io.micronaut.core.propagation.PropagatedContext;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs each model or tool call on a virtual thread of its own, so that the worker thread, which
 * holds the run's database work, is never interrupted: cancelling a run interrupts only the call,
 * and the worker decides at the step boundary what happened. The call's thread carries the worker's
 * context: its tenant scope, for the calls that touch the database (an agent-typed tool starting
 * and watching its child run).
 */
@Singleton
class StepCalls {

  /** How a call ended when it did not return a value. */
  sealed interface Interrupted {
    /** The run was asked to stop (cancel, lost lease, shutdown). */
    record Stopped() implements Interrupted {}

    /** The call outlived its time limit. */
    record TimedOut() implements Interrupted {}
  }

  /** A call's result, or why it has none. */
  record Outcome<T>(T value, Throwable failure, Interrupted interrupted) {}

  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

  /**
   * Runs the call and waits for it at most {@code limit}; every {@code tick} while waiting, calls
   * {@code onTick} on the worker thread (to flush streamed text).
   */
  <T> Outcome<T> run(
      ActiveRun run, Callable<T> call, Duration limit, Duration tick, Runnable onTick) {
    Future<T> future = threads.submit(PropagatedContext.wrapCurrent(call));
    run.inFlight(future);
    long deadline = System.nanoTime() + limit.toNanos();
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          future.cancel(true);
          return new Outcome<>(null, null, new Interrupted.TimedOut());
        }
        try {
          return new Outcome<>(
              future.get(Math.min(left, tick.toNanos()), TimeUnit.NANOSECONDS), null, null);
        } catch (TimeoutException tickPassed) {
          onTick.run();
        } catch (CancellationException stopped) {
          return new Outcome<>(null, null, new Interrupted.Stopped());
        } catch (ExecutionException failed) {
          Throwable cause = failed.getCause();
          if (cause instanceof InterruptedException && run.stop() != null) {
            return new Outcome<>(null, null, new Interrupted.Stopped());
          }
          return new Outcome<>(null, cause, null);
        } catch (InterruptedException workerInterrupted) {
          future.cancel(true);
          Thread.currentThread().interrupt();
          return new Outcome<>(null, null, new Interrupted.Stopped());
        }
      }
    } finally {
      run.inFlight(null);
    }
  }

  /** Convenience for calls that stream nothing. */
  <T> Outcome<T> run(ActiveRun run, Callable<T> call, Duration limit) {
    return run(run, call, limit, limit, () -> {});
  }

  @PreDestroy
  void close() {
    threads.shutdownNow();
  }
}
