package dev.agentplane.bench.flowable;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;
import org.flowable.common.engine.impl.context.Context;
import org.flowable.common.engine.impl.interceptor.CommandContext;
import org.flowable.common.engine.impl.interceptor.CommandContextCloseListener;
import org.flowable.engine.delegate.DelegateExecution;
import org.flowable.engine.delegate.ExecutionListener;

/**
 * The process's end listener and the benchmark's ledger of instances: each start is announced with
 * the time it was due, and an instance counts as finished when the transaction that ended it
 * commits (an end that rolls back finished nothing). Latency runs from the due time, so a backlog
 * of late starts is charged to the engine.
 */
final class InstanceCompletions implements ExecutionListener {

  /** The bean name the BPMN's listener expression resolves. */
  static final String BEAN = "instanceCompletions";

  private record Start(long dueNanos, boolean measured) {}

  private final Map<String, Start> open = new ConcurrentHashMap<>();
  private final Histogram measuredLatencyMicros = new SynchronizedHistogram(3);
  private final LongAdder measuredOpen = new LongAdder();
  private final LongAdder completedInWindow = new LongAdder();
  private volatile long windowBeginNanos = Long.MAX_VALUE;
  private volatile long windowEndNanos = Long.MAX_VALUE;

  /** Called before the instance is started, so its end can never arrive first. */
  void expect(String businessKey, long dueNanos, boolean measured) {
    open.put(businessKey, new Start(dueNanos, measured));
    if (measured) {
      measuredOpen.increment();
    }
  }

  /** An instance whose start failed: it will never end. */
  void forget(String businessKey) {
    Start start = open.remove(businessKey);
    if (start != null && start.measured()) {
      measuredOpen.decrement();
    }
  }

  void openWindow(long nanos) {
    windowBeginNanos = nanos;
  }

  void closeWindow(long nanos) {
    windowEndNanos = nanos;
  }

  /** Instances started in the measured window that have not finished (nor failed to start). */
  long measuredOpen() {
    return measuredOpen.sum();
  }

  /** Instances of this run finished inside the measured window, whenever they started. */
  long completedInWindow() {
    return completedInWindow.sum();
  }

  /** Due time to committed end of instances started in the measured window, in microseconds. */
  Histogram measuredLatencyMicros() {
    return measuredLatencyMicros;
  }

  @Override
  public void notify(DelegateExecution execution) {
    // Not a COMMITTED transaction listener: Flowable runs those in a new command, which takes a
    // second connection from the pool while the first is still held.
    Context.getCommandContext()
        .addCloseListener(new EndCommitted(execution.getProcessInstanceBusinessKey()));
  }

  /** Told after the command that ended an instance committed, and only then. */
  private final class EndCommitted implements CommandContextCloseListener {

    private final String businessKey;

    EndCommitted(String businessKey) {
      this.businessKey = businessKey;
    }

    @Override
    public void closed(CommandContext commandContext) {
      finished(businessKey, System.nanoTime());
    }

    @Override
    public void closing(CommandContext commandContext) {}

    @Override
    public void afterSessionsFlush(CommandContext commandContext) {}

    @Override
    public void closeFailure(CommandContext commandContext) {}

    @Override
    public Integer order() {
      return Integer.MAX_VALUE;
    }

    @Override
    public boolean multipleAllowed() {
      return true;
    }
  }

  private void finished(String businessKey, long nanos) {
    Start start = open.remove(businessKey);
    if (start == null) {
      // An instance an earlier step of the ladder left behind in the same database.
      return;
    }
    if (nanos >= windowBeginNanos && nanos <= windowEndNanos) {
      completedInWindow.increment();
    }
    if (start.measured()) {
      measuredLatencyMicros.recordValue(Math.max(0, (nanos - start.dueNanos()) / 1000));
      measuredOpen.decrement();
    }
  }
}
