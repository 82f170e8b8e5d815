package dev.agentplane.kit.tenancy;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A counting semaphore whose waiters are served one tenant at a time in turn ({@link
 * TenantRoundRobin}) rather than first come, first served: while one tenant has a hundred callers
 * waiting, another tenant's caller waits for one permit per other waiting tenant, not for the
 * hundred. Work-conserving: with a single tenant waiting, it gets every permit that frees.
 *
 * <p>Work done for no single tenant (a {@code null} tenant: a group commit carrying many tenants'
 * steps, a relay) is served before any tenant's turn: every tenant waits on it, and a profile of
 * the noisy-neighbour benchmark showed the execution service's group-commit writers spending a
 * quarter of the flood waiting their turn behind the flooding tenant's transactions while every
 * run's commit waited behind them. Such work comes from a few platform threads, fewer than the
 * permits, so it cannot keep the tenants waiting for long. Being first in line was not enough (the
 * writers still waited a fifth of the flood for a tenant's transaction to end), so a few permits
 * can be kept for it ({@code reservedForAll}): tenants' work never takes the last of them.
 *
 * <p>Blocking, for virtual threads as well as platform threads.
 */
public final class TenantFairPermits {

  private final ReentrantLock lock = new ReentrantLock();
  private final TenantRoundRobin<Waiter> waiting = new TenantRoundRobin<>(Integer.MAX_VALUE);
  private final Deque<Waiter> waitingForAll = new ArrayDeque<>();
  private final int reservedForAll;
  private int free;

  private static final class Waiter {
    private final Condition signal;
    private boolean granted;

    private Waiter(Condition signal) {
      this.signal = signal;
    }
  }

  public TenantFairPermits(int permits) {
    this(permits, 0);
  }

  /**
   * @param reservedForAll permits that only work for no single tenant may take (fewer than {@code
   *     permits})
   */
  public TenantFairPermits(int permits, int reservedForAll) {
    if (permits < 1 || reservedForAll < 0 || reservedForAll >= permits) {
      throw new IllegalArgumentException(
          "At least one permit and fewer reserved, not " + permits + " and " + reservedForAll);
    }
    this.free = permits;
    this.reservedForAll = reservedForAll;
  }

  /**
   * Takes a permit for {@code tenantId} (null: work for no single tenant, served first), waiting
   * for the tenant's turn if none is free.
   *
   * @return false when none came within {@code patience} (nothing is then held)
   * @throws InterruptedException when interrupted while waiting (nothing is then held)
   */
  public boolean acquire(String tenantId, Duration patience) throws InterruptedException {
    lock.lock();
    try {
      boolean mayTake =
          tenantId == null
              ? waitingForAll.isEmpty() && free > 0
              : waiting() == 0 && tenantMayTake();
      if (mayTake) {
        free--;
        return true;
      }
      Waiter waiter = new Waiter(lock.newCondition());
      if (tenantId == null) {
        waitingForAll.add(waiter);
      } else {
        waiting.offer(tenantId, waiter);
      }
      long left = patience.toNanos();
      try {
        while (!waiter.granted) {
          if (left <= 0) {
            leave(tenantId, waiter);
            return false;
          }
          left = waiter.signal.awaitNanos(left);
        }
      } catch (InterruptedException e) {
        if (waiter.granted) {
          handOn();
        } else {
          leave(tenantId, waiter);
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

  /** Permits free now. */
  public int free() {
    lock.lock();
    try {
      return free;
    } finally {
      lock.unlock();
    }
  }

  /** Callers waiting now, of every tenant and of none. */
  public int waiting() {
    lock.lock();
    try {
      return waiting.size() + waitingForAll.size();
    } finally {
      lock.unlock();
    }
  }

  private void leave(String tenantId, Waiter waiter) {
    if (tenantId == null) {
      waitingForAll.remove(waiter);
    } else {
      waiting.remove(tenantId, waiter);
    }
  }

  /** Whether a tenant's caller may take a free permit: one beyond those kept for shared work. */
  private boolean tenantMayTake() {
    return free > reservedForAll;
  }

  /**
   * A permit came back: to shared work waiting, else to the tenant whose turn it is, if allowed.
   */
  private void handOn() {
    free++;
    Waiter next = waitingForAll.poll();
    if (next == null && tenantMayTake()) {
      next = waiting.poll();
    }
    if (next == null) {
      return;
    }
    free--;
    next.granted = true;
    next.signal.signal();
  }
}
