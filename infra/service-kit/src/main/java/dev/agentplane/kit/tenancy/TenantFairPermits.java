package dev.agentplane.kit.tenancy;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A counting semaphore whose waiters are served one tenant at a time in turn ({@link
 * TenantRoundRobin}) rather than first come, first served: while one tenant has a hundred callers
 * waiting, another tenant's caller waits for one permit per other waiting tenant, not for the
 * hundred. Work-conserving: with a single tenant waiting, it gets every permit that frees.
 *
 * <p>Blocking, for virtual threads as well as platform threads.
 */
public final class TenantFairPermits {

  private final ReentrantLock lock = new ReentrantLock();
  private final TenantRoundRobin<Waiter> waiting = new TenantRoundRobin<>(Integer.MAX_VALUE);
  private int free;

  private static final class Waiter {
    private final Condition signal;
    private boolean granted;

    private Waiter(Condition signal) {
      this.signal = signal;
    }
  }

  public TenantFairPermits(int permits) {
    if (permits < 1) {
      throw new IllegalArgumentException("At least one permit, not " + permits);
    }
    this.free = permits;
  }

  /**
   * Takes a permit for {@code tenantId}, waiting for the tenant's turn if none is free.
   *
   * @return false when none came within {@code patience} (nothing is then held)
   * @throws InterruptedException when interrupted while waiting (nothing is then held)
   */
  public boolean acquire(String tenantId, Duration patience) throws InterruptedException {
    lock.lock();
    try {
      if (free > 0 && waiting.size() == 0) {
        free--;
        return true;
      }
      Waiter waiter = new Waiter(lock.newCondition());
      waiting.offer(tenantId, waiter);
      long left = patience.toNanos();
      try {
        while (!waiter.granted) {
          if (left <= 0) {
            waiting.remove(tenantId, waiter);
            return false;
          }
          left = waiter.signal.awaitNanos(left);
        }
      } catch (InterruptedException e) {
        if (waiter.granted) {
          handOn();
        } else {
          waiting.remove(tenantId, waiter);
        }
        throw e;
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Gives a permit back: to the waiter whose tenant's turn it is, if any. */
  public void release() {
    lock.lock();
    try {
      handOn();
    } finally {
      lock.unlock();
    }
  }

  /** Permits free now (none while anyone waits). */
  public int free() {
    lock.lock();
    try {
      return free;
    } finally {
      lock.unlock();
    }
  }

  /** Callers waiting now, of every tenant. */
  public int waiting() {
    return waiting.size();
  }

  private void handOn() {
    Waiter next = waiting.poll();
    if (next == null) {
      free++;
      return;
    }
    next.granted = true;
    next.signal.signal();
  }
}
