package dev.agentplane.execution.loop;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Queue;
import java.util.SequencedSet;

/**
 * Runs waiting for a free worker slot, taken one tenant at a time in turn: each tenant's runs in
 * the order offered, the tenants round-robin. A single queue let a tenant that offered a thousand
 * runs put every other tenant's next run a thousand places back (the noisy-neighbour benchmark: the
 * quiet tenant's runs waited two seconds between their 202 and their first step).
 *
 * <p>Bounded in all: beyond {@code capacity} an offer is refused and the run stays queued in
 * PostgreSQL for the sweeper. Thread-safe; every method is short.
 */
final class TenantFairBacklog<T> {

  private final int capacity;
  private final Map<String, Queue<T>> waitingByTenant = new HashMap<>();
  // Tenants with runs waiting, in turn order: the next run comes from the first, which then goes
  // to the back.
  private final SequencedSet<String> turns = new LinkedHashSet<>();
  private int size;

  TenantFairBacklog(int capacity) {
    this.capacity = capacity;
  }

  /** Adds a run of {@code tenantId}; false when the backlog is full. */
  synchronized boolean offer(String tenantId, T run) {
    if (size >= capacity) {
      return false;
    }
    waitingByTenant.computeIfAbsent(tenantId, tenant -> new ArrayDeque<>()).add(run);
    turns.add(tenantId);
    size++;
    return true;
  }

  /** The next run, from the tenant whose turn it is, or null when none waits. */
  synchronized T poll() {
    String tenant = turns.isEmpty() ? null : turns.removeFirst();
    if (tenant == null) {
      return null;
    }
    Queue<T> waiting = waitingByTenant.get(tenant);
    T next = waiting.poll();
    size--;
    if (waiting.isEmpty()) {
      waitingByTenant.remove(tenant);
    } else {
      turns.addLast(tenant);
    }
    return next;
  }

  synchronized int size() {
    return size;
  }

  synchronized void clear() {
    waitingByTenant.clear();
    turns.clear();
    size = 0;
  }
}
