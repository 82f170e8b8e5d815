package dev.agentplane.kit.tenancy;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Queue;
import java.util.SequencedSet;

/**
 * Items waiting for a shared resource, taken one tenant at a time in turn: each tenant's items in
 * the order offered, the tenants round-robin. In a single queue a tenant that offered a thousand
 * items put every other tenant's next item a thousand places back (the noisy-neighbour benchmark:
 * the quiet tenant's runs waited two seconds between their 202 and their first step). Used for the
 * runs waiting for a worker and for the transactions waiting for a connection ({@link
 * TenantFairPermits}).
 *
 * <p>Bounded in all: beyond {@code capacity} an offer is refused. Thread-safe; every method is
 * short.
 */
public final class TenantRoundRobin<T> {

  private final int capacity;
  private final Map<String, Queue<T>> waitingByTenant = new HashMap<>();
  // Tenants with items waiting, in turn order: the next item comes from the first, which then goes
  // to the back.
  private final SequencedSet<String> turns = new LinkedHashSet<>();
  private int size;

  public TenantRoundRobin(int capacity) {
    this.capacity = capacity;
  }

  /** Adds an item of {@code tenantId}; false when full. */
  public synchronized boolean offer(String tenantId, T item) {
    if (size >= capacity) {
      return false;
    }
    waitingByTenant.computeIfAbsent(tenantId, tenant -> new ArrayDeque<>()).add(item);
    turns.add(tenantId);
    size++;
    return true;
  }

  /** The next item, from the tenant whose turn it is, or null when none waits. */
  public synchronized T poll() {
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

  /**
   * Takes {@code item} of {@code tenantId} out of its line (it stopped waiting); false if absent.
   */
  public synchronized boolean remove(String tenantId, T item) {
    Queue<T> waiting = waitingByTenant.get(tenantId);
    if (waiting == null || !waiting.remove(item)) {
      return false;
    }
    size--;
    if (waiting.isEmpty()) {
      waitingByTenant.remove(tenantId);
      turns.remove(tenantId);
    }
    return true;
  }

  public synchronized int size() {
    return size;
  }

  public synchronized void clear() {
    waitingByTenant.clear();
    turns.clear();
    size = 0;
  }
}
