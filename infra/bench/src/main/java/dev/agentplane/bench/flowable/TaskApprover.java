package dev.agentplane.bench.flowable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.flowable.engine.TaskService;
import org.flowable.task.api.Task;

/**
 * The Flowable side's programmatic approver, behaving as the AgentPlane side's {@code Approver}:
 * every {@code pollEvery} it reads the open "approve" tasks (pages of 100, until a page is short or
 * brings nothing new), completes each on a pool of eight threads, and waits for the batch before
 * reading on. Stops when closed.
 */
final class TaskApprover implements AutoCloseable {

  static final String TASK_KEY = "approve";
  static final int PAGE = 100;
  static final int DECIDING_THREADS = 8;

  private final TaskService tasks;
  private final Duration pollEvery;
  private final ExecutorService deciders = Executors.newFixedThreadPool(DECIDING_THREADS);
  private final Set<String> decided = ConcurrentHashMap.newKeySet();
  private final LongAdder failures = new LongAdder();
  private final Thread poller;
  private volatile boolean running = true;

  private TaskApprover(TaskService tasks, Duration pollEvery) {
    this.tasks = tasks;
    this.pollEvery = pollEvery;
    this.poller = Thread.ofPlatform().name("approver").daemon().start(this::pollUntilClosed);
  }

  static TaskApprover start(TaskService tasks, Duration pollEvery) {
    return new TaskApprover(tasks, pollEvery);
  }

  /** Task queries or completions that failed (none is expected). */
  long failures() {
    return failures.sum();
  }

  private void pollUntilClosed() {
    while (running) {
      long next = System.nanoTime() + pollEvery.toNanos();
      try {
        approveAllPending();
      } catch (RuntimeException e) {
        failures.increment();
      }
      long wait;
      while (running && (wait = next - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
    }
  }

  private void approveAllPending() {
    List<Future<?>> inFlight = new ArrayList<>();
    while (true) {
      List<Task> page = tasks.createTaskQuery().taskDefinitionKey(TASK_KEY).listPage(0, PAGE);
      int fresh = 0;
      for (Task task : page) {
        String id = task.getId();
        if (decided.add(id)) {
          fresh++;
          inFlight.add(deciders.submit(() -> tasks.complete(id)));
        }
      }
      for (Future<?> decision : inFlight) {
        try {
          decision.get();
        } catch (Exception e) {
          failures.increment();
        }
      }
      inFlight.clear();
      // Completed tasks leave the query, so the next page starts on fresh ones; a page with
      // nothing new, or a short one, means the backlog is drained.
      if (fresh == 0 || page.size() < PAGE) {
        return;
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    poller.join();
    deciders.shutdown();
  }
}
