package dev.agentplane.execution.loop;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.agentplane.contracts.StepKind;
import dev.agentplane.execution.run.Run;
import io.micronaut.context.ApplicationContext;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The benchmark's view of the checkpoint path alone: threads each holding a claimed run commit step
 * after step through the real {@link RunJournal}, each commit what a step of the benchmark's runs
 * commits (the fenced run update, a checkpoint of the given state, and the step's events into
 * {@code run_event} and the outbox, which the relay publishes as usual), without the rest of a run
 * (HTTP, the registry, Kafka dispatch, the model and the tool) competing for the machine.
 */
public final class JournalCommitLoop {

  private JournalCommitLoop() {}

  /**
   * Commits for {@code length} on {@code threads} runs copied from a finished run of {@code
   * tenant}; answers checkpoint commits per second.
   */
  public static double commitsPerSecond(
      ApplicationContext context,
      Connection sql,
      String tenant,
      String checkpointJson,
      int threads,
      Duration length)
      throws Exception {
    RunJournal journal = context.getBean(RunJournal.class);
    RunState template = RunState.fromJson(checkpointJson);
    long end = System.currentTimeMillis() + length.toMillis();
    AtomicLong commits = new AtomicLong();
    List<UUID> runs = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      runs.add(copyOfAFinishedRun(sql, tenant));
    }
    ExecutorService writers = Executors.newFixedThreadPool(threads);
    List<Future<?>> loops = new ArrayList<>();
    for (UUID runId : runs) {
      loops.add(
          writers.submit(
              () -> {
                Run run =
                    journal
                        .claim(tenant, runId, "journal-bench", Duration.ofHours(1))
                        .orElseThrow();
                Lease lease =
                    new Lease(
                        run.id(), run.tenantId(), run.agentId(), "journal-bench", run.epoch());
                EventDrafts drafts = new EventDrafts(run.tenantId(), run.id(), run.agentId());
                int step = 0;
                while (System.currentTimeMillis() < end) {
                  step++;
                  journal.commit(lease, stepEnd(template, drafts, step));
                  commits.incrementAndGet();
                }
                return null;
              }));
    }
    for (Future<?> loop : loops) {
      loop.get();
    }
    writers.shutdown();
    return commits.get() / (length.toMillis() / 1000.0);
  }

  /**
   * The commit ending step {@code step}: alternately a model step (its streamed text, its
   * completion, and the tool step it starts) and a tool step (its result and the model step it
   * starts), as the benchmark agent's runs alternate.
   */
  private static Commit stepEnd(RunState template, EventDrafts drafts, int step) {
    RunState state =
        new RunState(
            step,
            step,
            template.messages(),
            template.pendingToolCalls(),
            template.usage(),
            template.costMicros(),
            false);
    Commit commit = Commit.checkpointing(state);
    if (step % 2 == 1) {
      commit
          .event(drafts.modelDelta(step, "Calling echo"))
          .event(drafts.modelCompleted(step, null, 1, 12, 8, "tool_calls"))
          .event(drafts.stepStarted(step + 1, StepKind.TOOL))
          .event(
              drafts.toolStarted(
                  step + 1,
                  "call_" + step,
                  "echo",
                  JsonNodeFactory.instance.objectNode().put("text", "run " + step)));
    } else {
      commit
          .event(drafts.toolSucceeded(step, "call_" + (step - 1), "echo", "{\"text\":\"run\"}", 0))
          .event(drafts.stepStarted(step + 1, StepKind.MODEL));
    }
    return commit;
  }

  private static UUID copyOfAFinishedRun(Connection sql, String tenant) throws Exception {
    UUID id = UUID.randomUUID();
    try (PreparedStatement copy =
        sql.prepareStatement(
            """
                INSERT INTO execution.run (id, tenant_id, agent_id, agent_name, agent_version,
                    spec_hash, mode, status, input, snapshot, metadata, created_by, creator_type,
                    creator_roles, timeout_seconds)
                SELECT ?, tenant_id, agent_id, agent_name, agent_version, spec_hash, mode,
                    'queued', input, snapshot, metadata, created_by, creator_type, creator_roles,
                    3600
                FROM execution.run WHERE tenant_id = ? AND finished_at IS NOT NULL LIMIT 1
                """)) {
      copy.setObject(1, id);
      copy.setString(2, tenant);
      if (copy.executeUpdate() != 1) {
        throw new IllegalStateException("No finished run of " + tenant + " to copy");
      }
    }
    return id;
  }
}
