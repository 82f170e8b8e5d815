package dev.agentplane.bench.flowable;

import dev.agentplane.bench.PollingApprover;
import java.time.Duration;
import java.util.List;
import org.flowable.engine.TaskService;
import org.flowable.task.api.Task;

/** Flowable's open "approve" user tasks, read and completed through its task service. */
final class TaskApprover implements PollingApprover.Inbox {

  static final String TASK_KEY = "approve";

  private final TaskService tasks;

  private TaskApprover(TaskService tasks) {
    this.tasks = tasks;
  }

  static PollingApprover start(TaskService tasks, Duration pollEvery) {
    return PollingApprover.start(new TaskApprover(tasks), pollEvery);
  }

  @Override
  public List<String> pending(int size) {
    return tasks.createTaskQuery().taskDefinitionKey(TASK_KEY).listPage(0, size).stream()
        .map(Task::getId)
        .toList();
  }

  @Override
  public void approve(String id) {
    tasks.complete(id);
  }
}
