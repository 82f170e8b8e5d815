package dev.agentplane.execution.loop;

import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A run executing on this instance, and how to stop it: a cancel request or a lost lease interrupts
 * the model or tool call in flight (an HTTP tool call is aborted), and the loop stops at the step
 * boundary.
 */
final class ActiveRun {

  /** Why a run stops before its natural end. */
  enum Stop {
    CANCELLED,
    LEASE_LOST,
    SHUTDOWN
  }

  private final Lease lease;
  private volatile Stop stop;
  private volatile Future<?> inFlight;
  private final AtomicBoolean holdsSlot = new AtomicBoolean(true);

  ActiveRun(Lease lease) {
    this.lease = lease;
  }

  Lease lease() {
    return lease;
  }

  Stop stop() {
    return stop;
  }

  /** Asks the run to stop; the first reason wins, except that a lost lease overrides any. */
  void requestStop(Stop reason) {
    synchronized (this) {
      if (stop == null || reason == Stop.LEASE_LOST) {
        stop = reason;
      }
    }
    Future<?> call = inFlight;
    if (call != null) {
      call.cancel(true);
    }
  }

  /** Whether the run still counts against this instance's concurrency cap. */
  boolean holdsSlot() {
    return holdsSlot.get();
  }

  /** True the first time only: the run gives up its slot for good. */
  boolean giveUpSlot() {
    return holdsSlot.compareAndSet(true, false);
  }

  void inFlight(Future<?> call) {
    this.inFlight = call;
    if (stop != null && call != null) {
      call.cancel(true);
    }
  }
}
