package dev.agentplane.execution.loop;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.contracts.StepKind;
import dev.agentplane.execution.gate.Gate;
import dev.agentplane.execution.gate.GateRequest;
import dev.agentplane.execution.gate.GateStatus;
import dev.agentplane.execution.gate.ToolGates;
import dev.agentplane.execution.loop.Commit.Ending;
import dev.agentplane.execution.loop.StepCalls.Interrupted;
import dev.agentplane.execution.loop.StepCalls.Outcome;
import dev.agentplane.execution.model.ChatMessage;
import dev.agentplane.execution.model.ModelException;
import dev.agentplane.execution.model.ModelProviders;
import dev.agentplane.execution.model.ModelReply;
import dev.agentplane.execution.model.ModelRequest;
import dev.agentplane.execution.model.ModelSettings;
import dev.agentplane.execution.model.TokenUsage;
import dev.agentplane.execution.model.ToolCall;
import dev.agentplane.execution.model.ToolDefinition;
import dev.agentplane.execution.registry.AgentSnapshot;
import dev.agentplane.execution.run.Run;
import dev.agentplane.execution.run.RunCancellation;
import dev.agentplane.execution.run.RunRepository;
import dev.agentplane.execution.run.RunStatus;
import dev.agentplane.execution.tool.ToolExecutors;
import dev.agentplane.execution.tool.ToolFailure;
import dev.agentplane.execution.tool.ToolInvocation;
import dev.agentplane.execution.tool.ToolResult;
import dev.agentplane.kit.json.JsonRequestBody;
import dev.agentplane.kit.json.TenantSchemas;
import dev.agentplane.kit.problem.FieldError;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent loop: model call → zero or more tool calls → results appended with their tool call id →
 * next model call, until a final answer, {@code maxSteps}, the run's deadline or its token budget.
 *
 * <p>A step is one model call or one tool call. Each ends with one journal commit holding its
 * checkpoint, its events, and the start of the next step (or the run's ending), so every step is on
 * disk before the next begins and a run costs one commit per step plus one to start.
 */
@Singleton
class RunLoop {

  private static final Logger LOG = LoggerFactory.getLogger(RunLoop.class);

  /**
   * Reads what the model wrote (tool arguments, a structured answer) no deeper than a request body
   * may nest. The loop writes it again inside events and their CloudEvents, which Jackson refuses
   * beyond 1000 levels: arguments nested 999 deep failed the step's commit on every claim, so the
   * run never ended and called the model again every lease. Deeper is not JSON to the loop: invalid
   * arguments, or an answer that gets one repair round.
   */
  private static final ObjectMapper JSON =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder()
                          .maxNestingDepth(JsonRequestBody.MAX_DEPTH)
                          .build())
                  .build())
          .build();

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final RunJournal journal;
  private final RunRepository runs;
  private final ModelProviders models;
  private final ToolExecutors tools;
  private final StepCalls calls;
  private final LoopSettings settings;
  private final WorkerSettings workers;
  private final PriceTable prices;
  private final RunCancellation cancellation;
  private final ToolGates gates;
  private final TenantStepRate stepRate;

  RunLoop(
      RunJournal journal,
      RunRepository runs,
      ModelProviders models,
      ToolExecutors tools,
      StepCalls calls,
      LoopSettings settings,
      WorkerSettings workers,
      PriceTable prices,
      RunCancellation cancellation,
      ToolGates gates,
      TenantStepRate stepRate) {
    this.journal = journal;
    this.runs = runs;
    this.models = models;
    this.tools = tools;
    this.calls = calls;
    this.settings = settings;
    this.workers = workers;
    this.prices = prices;
    this.cancellation = cancellation;
    this.gates = gates;
    this.stepRate = stepRate;
  }

  /** What comes next: a step, or the end. */
  private sealed interface Next {}

  private record ModelStep() implements Next {}

  private record ToolStep(ToolCall call) implements Next {}

  private record End(Ending ending, EventDraft event) implements Next {}

  /** Ask humans about these calls before any of them is made. */
  private record OpenGates(List<GateRequest> requests) implements Next {}

  /** Every call left waits for a human: let go of the run until the decisions come. */
  private record Park() implements Next {}

  /** One run's journey, from its claim until it ends or this worker must let go. */
  private final class Journey {
    final Run run;
    final ActiveRun control;
    final Lease lease;
    final EventDrafts drafts;
    final AgentSnapshot snapshot;
    final AgentPolicy policy;
    final ModelSettings modelSettings;
    final List<ToolDefinition> toolDefinitions;
    final boolean startsChildRuns;
    RunState state;
    boolean checkpointDue;
    List<EventDraft> carried = new ArrayList<>();
    // The run's gated tool calls by id, read when it first has calls pending.
    Map<String, Gate> gates;
    final Set<String> ungated = new HashSet<>();
    // Per pending call, how often earlier holders of the run started it (read once per claim).
    final Map<String, Integer> earlierStarts = new HashMap<>();

    Journey(Run run, ActiveRun control) {
      this.run = run;
      this.control = control;
      this.lease = control.lease();
      this.drafts = new EventDrafts(run.tenantId(), run.id(), run.agentId());
      this.snapshot = AgentSnapshot.of(run.snapshot());
      this.policy = AgentPolicy.of(snapshot, settings);
      this.modelSettings = modelSettings(snapshot.spec().path("model"));
      this.toolDefinitions =
          snapshot.tools().stream()
              .map(
                  tool ->
                      new ToolDefinition(
                          tool.name(),
                          tool.spec().path("description").asText(""),
                          tool.spec().path("inputSchema")))
              .toList();
      this.startsChildRuns =
          snapshot.tools().stream()
              .anyMatch(tool -> "agent".equals(tool.spec().path("type").asText()));
    }
  }

  /**
   * Drives a claimed run until it ends, or until it must stop here (lease lost, shutdown); then
   * another worker continues from the last checkpoint.
   */
  void drive(Run run, ActiveRun control) {
    Journey journey = new Journey(run, control);
    journey.state =
        journal
            .latestCheckpoint(run.id())
            .orElseGet(() -> RunState.initial(opening(journey.snapshot, run.input())));
    journey.carried.add(run.epoch() == 1 ? journey.drafts.started() : journey.drafts.resumed());
    try {
      while (true) {
        Next next = plan(journey);
        if (next instanceof End end) {
          journey.carried.add(end.event());
          commit(journey, end.ending());
          return;
        }
        if (next instanceof OpenGates open) {
          openGates(journey, open.requests());
          continue;
        }
        if (next instanceof Park) {
          if (park(journey)) {
            return;
          }
          continue;
        }
        stepRate.awaitTurn(run.tenantId());
        int step = journey.state.steps() + 1;
        switch (next) {
          case ModelStep model ->
              journey.carried.add(journey.drafts.stepStarted(step, StepKind.MODEL));
          case ToolStep tool -> {
            journey.carried.add(journey.drafts.stepStarted(step, StepKind.TOOL));
            if (!refused(journey, tool.call())) {
              journey.carried.add(
                  journey.drafts.toolStarted(
                      step,
                      tool.call().id(),
                      tool.call().name(),
                      argumentsShown(journey, tool.call())));
            }
          }
          case End end -> throw new IllegalStateException("handled above");
          case OpenGates open -> throw new IllegalStateException("handled above");
          case Park park -> throw new IllegalStateException("handled above");
        }
        if (commit(journey, null)) {
          continue;
        }
        try {
          switch (next) {
            case ModelStep model -> callModel(journey, step);
            case ToolStep tool -> callTool(journey, step, tool.call());
            case End end -> throw new IllegalStateException("handled above");
            case OpenGates open -> throw new IllegalStateException("handled above");
            case Park park -> throw new IllegalStateException("handled above");
          }
        } catch (StepAbandoned abandoned) {
          // The next plan ends the run (cancelled, timed out) or lets go of it (lease lost).
        }
      }
    } catch (RunEnded ended) {
      // Ended inside a step, with its own commit.
    } catch (StaleLeaseException lost) {
      LOG.info("Run {} was taken over (epoch {}); this worker stops", run.id(), run.epoch());
    }
  }

  /**
   * Commits what the journey carries; true when the commit revealed a cancel request, which the
   * next plan turns into the run's ending.
   */
  private boolean commit(Journey journey, Ending ending) {
    Commit commit = carriedCommit(journey);
    if (ending != null) {
      commit.ending(ending);
      if (journey.gates != null && journey.gates.values().stream().anyMatch(Gate::waiting)) {
        commit.closingGates();
      }
    }
    RunJournal.Committed committed = journal.commit(journey.lease, commit);
    committedCarried(journey);
    if (ending != null && journey.startsChildRuns) {
      // A child still running has nobody left to wait for it (a timed-out parent, say).
      cancellation.cancelChildrenOf(
          journey.run.tenantId(),
          journey.run.id(),
          "The parent run " + journey.run.id() + " ended " + ending.status().wire());
    }
    if (committed.cancelRequested() && ending == null) {
      journey.control.requestStop(ActiveRun.Stop.CANCELLED);
      return true;
    }
    return false;
  }

  /** A commit of what the journey carries: its events, and its state as a checkpoint when due. */
  private static Commit carriedCommit(Journey journey) {
    Commit commit =
        journey.checkpointDue
            ? Commit.checkpointing(journey.state)
            : Commit.eventsOnly(journey.state);
    journey.carried.forEach(commit::event);
    return commit;
  }

  private static void committedCarried(Journey journey) {
    journey.carried = new ArrayList<>();
    journey.checkpointDue = false;
  }

  /**
   * Opens a gate per gated call of the turn, with its {@code tool.approval_requested} event and its
   * approval request, in one commit; no step is taken.
   */
  private void openGates(Journey journey, List<GateRequest> requests) {
    for (GateRequest request : requests) {
      journey.carried.add(
          journey.drafts.toolApprovalRequested(
              request.toolCallId(),
              request.toolName(),
              Gate.approvalIdOf(journey.run.id(), request.toolCallId())));
    }
    Commit commit = carriedCommit(journey).openGates(journey.run, requests);
    RunJournal.Committed committed = journal.commit(journey.lease, commit);
    committedCarried(journey);
    for (GateRequest request : requests) {
      journey.gates.put(
          request.toolCallId(),
          new Gate(
              journey.run.id(),
              request.toolCallId(),
              Gate.approvalIdOf(journey.run.id(), request.toolCallId()),
              request.toolName(),
              request.arguments(),
              GateStatus.WAITING,
              null,
              null,
              null,
              List.of()));
    }
    if (committed.cancelRequested()) {
      journey.control.requestStop(ActiveRun.Stop.CANCELLED);
    }
  }

  /**
   * Parks the run until its gates are decided, releasing this worker: true when parked; false when
   * the worker goes on (every gate was decided meanwhile, or a cancel came in).
   */
  private boolean park(Journey journey) {
    switch (journal.park(journey.lease, carriedCommit(journey))) {
      case PARKED -> {
        committedCarried(journey);
        LOG.debug("Run {} waits for approvals; its worker is free", journey.run.id());
        return true;
      }
      case DECIDED_MEANWHILE -> {
        journey.gates = gates.ofRun(journey.run.id());
        return false;
      }
      case CANCEL_REQUESTED -> {
        journey.control.requestStop(ActiveRun.Stop.CANCELLED);
        return false;
      }
    }
    throw new IllegalStateException("unreachable");
  }

  private Next plan(Journey journey) {
    RunState state = journey.state;
    ActiveRun.Stop stop = journey.control.stop();
    if (stop == ActiveRun.Stop.LEASE_LOST || stop == ActiveRun.Stop.SHUTDOWN) {
      throw new StaleLeaseException(journey.run.id(), journey.lease.epoch());
    }
    if (stop == ActiveRun.Stop.CANCELLED || journey.run.cancelRequestedAt() != null) {
      return cancelled(journey);
    }
    if (pastDeadline(journey)) {
      return new End(
          new Ending(RunStatus.TIMED_OUT, null, "timeout", "The run exceeded its time limit"),
          journey.drafts.timedOut());
    }
    if (journey.policy.tokenBudget() != null
        && state.usage().total() > journey.policy.tokenBudget()) {
      return failed(
          journey,
          "budget_exceeded",
          "The run used "
              + state.usage().total()
              + " tokens, over its budget of "
              + journey.policy.tokenBudget());
    }
    if (!state.pendingToolCalls().isEmpty()) {
      if (state.steps() >= journey.policy.maxSteps()) {
        return maxSteps(journey);
      }
      return nextToolCall(journey);
    }
    ChatMessage last = state.messages().getLast();
    if (last.role() == ChatMessage.Role.ASSISTANT && last.toolCalls().isEmpty()) {
      return finalAnswer(journey, last.content());
    }
    if (state.steps() >= journey.policy.maxSteps()) {
      return maxSteps(journey);
    }
    return new ModelStep();
  }

  /**
   * Among the calls pending: gates to open first (each gated call of the turn asks its approval at
   * once), then the calls free to go, in order (ungated ones, and gated ones that were decided),
   * else the run parks until a decision.
   */
  private Next nextToolCall(Journey journey) {
    if (journey.gates == null) {
      journey.gates = gates.ofRun(journey.run.id());
    }
    List<ToolCall> pending = journey.state.pendingToolCalls();
    List<GateRequest> toOpen = new ArrayList<>();
    for (ToolCall call : pending) {
      if (uncertain(journey, call)) {
        if (!journey.policy.askOnUnknownOutcome()) {
          return failed(
              journey,
              "outcome_unknown",
              "The call "
                  + call.id()
                  + " of "
                  + call.name()
                  + " started before its worker stopped, may or may not have happened, and is"
                  + " not safe to repeat; the agent's policy says to fail (onUnknownOutcome)");
        }
        if (!journey.gates.containsKey(retryKey(journey, call))) {
          toOpen.add(retryRequest(journey, call));
        }
      } else if (!journey.gates.containsKey(call.id()) && !journey.ungated.contains(call.id())) {
        gateFor(journey, call).ifPresentOrElse(toOpen::add, () -> journey.ungated.add(call.id()));
      }
    }
    if (!toOpen.isEmpty()) {
      return new OpenGates(toOpen);
    }
    Optional<ToolCall> free = firstFree(journey, pending);
    if (free.isPresent()) {
      return new ToolStep(free.get());
    }
    journey.gates = gates.ofRun(journey.run.id());
    return firstFree(journey, pending).<Next>map(ToolStep::new).orElseGet(Park::new);
  }

  private Optional<ToolCall> firstFree(Journey journey, List<ToolCall> pending) {
    return pending.stream()
        .filter(
            call -> {
              Gate gate = gateOf(journey, call);
              return gate == null || !gate.waiting();
            })
        .findFirst();
  }

  /**
   * The gate that decides a call: the one asking whether to retry it when it is uncertain, else its
   * own approval gate; null when nothing gates it.
   */
  private Gate gateOf(Journey journey, ToolCall call) {
    if (journey.gates == null) {
      return null;
    }
    return journey.gates.get(uncertain(journey, call) ? retryKey(journey, call) : call.id());
  }

  /**
   * Whether a pending call may or may not have happened: an earlier holder of the run recorded it
   * as started (then crashed or lost its lease) and the tool is not safe to repeat. Builtin tools
   * are pure, an http tool marked {@code idempotent} (or a GET) is deduplicated downstream by its
   * {@code Idempotency-Key}, and an agent tool finds its child run by its idempotency key: those
   * are simply called again.
   */
  private boolean uncertain(Journey journey, ToolCall call) {
    if (journey.run.epoch() <= 1) {
      return false;
    }
    Optional<AgentSnapshot.Version> tool = journey.snapshot.tool(call.name());
    if (tool.isEmpty() || safeToRepeat(tool.get().spec())) {
      return false;
    }
    return earlierStarts(journey, call) > 0;
  }

  private int earlierStarts(Journey journey, ToolCall call) {
    return journey.earlierStarts.computeIfAbsent(
        call.id(), id -> journal.toolStarts(journey.run.id(), id));
  }

  private static boolean safeToRepeat(JsonNode toolSpec) {
    return switch (toolSpec.path("type").asText()) {
      case "builtin", "agent" -> true;
      case "http" ->
          toolSpec.path("http").path("idempotent").asBoolean(false)
              || "GET".equals(toolSpec.path("http").path("method").asText());
      default -> false;
    };
  }

  /** The gate asking whether to retry an uncertain call: one per attempt that was cut short. */
  private String retryKey(Journey journey, ToolCall call) {
    return call.id() + "#retry-" + earlierStarts(journey, call);
  }

  private GateRequest retryRequest(Journey journey, ToolCall call) {
    AgentSnapshot.Version tool = journey.snapshot.tool(call.name()).orElseThrow();
    return new GateRequest(
        retryKey(journey, call),
        call.name(),
        argumentsForDisplay(call),
        tool.spec().path("inputSchema"),
        tool.spec().path("risk").asText("low"),
        "This call started before the worker making it stopped (a crash or a lost lease), so it"
            + " may or may not have happened, and the tool is not safe to repeat. Approve to call"
            + " it again; reject to tell the agent its outcome is unknown.",
        journey.state.steps() + 1);
  }

  /**
   * The gate a call needs, if any. A call to an unknown tool or with invalid arguments asks no
   * human: its error goes back to the model first.
   */
  private Optional<GateRequest> gateFor(Journey journey, ToolCall call) {
    Optional<AgentSnapshot.Version> tool = journey.snapshot.tool(call.name());
    if (tool.isEmpty()) {
      return Optional.empty();
    }
    JsonNode inputSchema = tool.get().spec().path("inputSchema");
    JsonNode arguments;
    try {
      arguments = parseArguments(call);
    } catch (ToolFailure invalid) {
      return Optional.empty();
    }
    if (schemaErrors(inputSchema, arguments) != null
        || !needsApproval(journey, tool.get(), arguments)) {
      return Optional.empty();
    }
    return Optional.of(
        new GateRequest(
            call.id(),
            call.name(),
            arguments,
            inputSchema,
            tool.get().spec().path("risk").asText("low"),
            statedReason(journey.state, call),
            journey.state.steps() + 1));
  }

  /** What the model said in the turn that asked for {@code call}: its stated reason, if any. */
  private static String statedReason(RunState state, ToolCall call) {
    for (ChatMessage message : state.messages().reversed()) {
      if (message.role() == ChatMessage.Role.ASSISTANT
          && message.toolCalls().stream().anyMatch(asked -> asked.id().equals(call.id()))) {
        return message.content();
      }
    }
    return null;
  }

  private Next finalAnswer(Journey journey, String content) {
    JsonNode outputSchema = journey.snapshot.spec().path("outputSchema");
    if (outputSchema.isMissingNode() || outputSchema.isNull()) {
      return succeeded(journey, NODES.textNode(content == null ? "" : content));
    }
    JsonNode output;
    String problem;
    try {
      output = JSON.readTree(stripCodeFence(content == null ? "" : content));
      problem = output == null ? "The answer is empty" : schemaErrors(outputSchema, output);
    } catch (JsonProcessingException notJson) {
      output = null;
      problem = "The answer is not JSON: " + notJson.getOriginalMessage();
    }
    if (problem == null) {
      return succeeded(journey, output);
    }
    if (!journey.state.repairUsed()) {
      journey.state =
          journey.state.withRepairRequest(
              ChatMessage.user(
                  "Your answer does not match the required output schema. "
                      + problem
                      + " Answer again with only a JSON value that matches the schema."));
      return new ModelStep();
    }
    return failed(journey, "output_invalid", problem);
  }

  private void callModel(Journey journey, int step) {
    ModelRequest request =
        new ModelRequest(
            journey.run.tenantId(),
            journey.run.id(),
            step,
            journey.modelSettings,
            journey.state.messages(),
            journey.toolDefinitions,
            journey.run.input());
    DeltaBuffer deltas = new DeltaBuffer();
    Outcome<ModelReply> outcome =
        calls.run(
            journey.control,
            () -> models.forSettings(journey.modelSettings).complete(request, deltas::append),
            within(journey, settings.modelTimeout()),
            settings.deltaFlushEvery(),
            () -> flushDeltas(journey, step, deltas));
    String streamed = deltas.drain();
    if (!streamed.isEmpty()) {
      journey.carried.add(journey.drafts.modelDelta(step, streamed));
    }
    if (outcome.interrupted() != null) {
      interrupted(journey, outcome.interrupted(), "model_timeout", "The model call timed out");
      return;
    }
    if (outcome.failure() != null) {
      ModelException error =
          outcome.failure() instanceof ModelException known
              ? known
              : new ModelException("model_error", String.valueOf(outcome.failure()), false);
      journey.carried.add(
          journey.drafts.failed(error.code(), error.getMessage(), error.retryable()));
      commit(journey, new Ending(RunStatus.FAILED, null, error.code(), error.getMessage()));
      throw new RunEnded();
    }
    ModelReply reply = outcome.value();
    TokenUsage usage = reply.usage();
    long cost =
        prices.costMicros(journey.modelSettings.name(), usage.inputTokens(), usage.outputTokens());
    journey.state =
        journey.state.afterModelCall(
            ChatMessage.assistant(reply.content(), reply.toolCalls()),
            reply.toolCalls(),
            usage,
            cost);
    journey.checkpointDue = true;
    journey.carried.add(
        journey.drafts.modelCompleted(
            step,
            reply.content(),
            reply.toolCalls().size(),
            usage.inputTokens(),
            usage.outputTokens(),
            reply.finishReason()));
  }

  private void flushDeltas(Journey journey, int step, DeltaBuffer deltas) {
    String text = deltas.drain();
    if (text.isEmpty()) {
      return;
    }
    journey.carried.add(journey.drafts.modelDelta(step, text));
    commit(journey, null);
  }

  private void callTool(Journey journey, int step, ToolCall call) {
    long started = System.nanoTime();
    String content;
    EventDraft event;
    try {
      ToolResult result = invoke(journey, call, decidedGate(journey, call));
      content = result.content();
      event =
          journey.drafts.toolSucceeded(
              step, call.id(), call.name(), content, (System.nanoTime() - started) / 1_000_000);
    } catch (ToolFailure failure) {
      ObjectNode error =
          NODES.objectNode().put("error", failure.code()).put("message", failure.getMessage());
      content = error.toString();
      event =
          journey.drafts.toolFailed(
              step, call.id(), call.name(), failure.code(), failure.getMessage());
    }
    journey.state =
        journey.state.afterToolCall(
            call.id(), ChatMessage.toolResult(call.id(), call.name(), content));
    journey.checkpointDue = true;
    journey.carried.add(event);
  }

  /**
   * The decided gate of a call, null when it was not gated; a refusal (rejected, expired) ends the
   * call here with the approver's reason, which goes back to the model.
   */
  private Gate decidedGate(Journey journey, ToolCall call) {
    Gate gate = gateOf(journey, call);
    if (gate == null || gate.status() == GateStatus.APPROVED) {
      return gate;
    }
    if (!gate.toolCallId().equals(call.id())) {
      throw new ToolFailure(
          "outcome_unknown",
          "The call may or may not have happened (its worker stopped while making it), and a"
              + " human chose not to repeat it"
              + (gate.reason() == null || gate.reason().isBlank() ? "" : ": " + gate.reason()));
    }
    if (gate.status() == GateStatus.EXPIRED) {
      throw new ToolFailure(
          "approval_expired",
          "Nobody decided on this call in time; it was not made"
              + (gate.reason() == null ? "" : ": " + gate.reason()));
    }
    throw new ToolFailure(
        "approval_rejected",
        "A human rejected this call; it was not made. Reason: "
            + (gate.reason() == null || gate.reason().isBlank() ? "none given" : gate.reason()));
  }

  /** Whether a human refused the call (rejected, or let it expire): it is not made. */
  private boolean refused(Journey journey, ToolCall call) {
    Gate gate = gateOf(journey, call);
    return gate != null && gate.status() != GateStatus.APPROVED;
  }

  /** The call's arguments as they will be used: an approver's edits win over the model's. */
  private static JsonNode approvedArguments(Gate approved) {
    return approved == null ? null : approved.finalArguments();
  }

  private JsonNode argumentsShown(Journey journey, ToolCall call) {
    Gate gate = gateOf(journey, call);
    JsonNode edited =
        gate != null && gate.status() == GateStatus.APPROVED ? approvedArguments(gate) : null;
    return edited != null ? edited : argumentsForDisplay(call);
  }

  private ToolResult invoke(Journey journey, ToolCall call, Gate approved) {
    AgentSnapshot.Version tool =
        journey
            .snapshot
            .tool(call.name())
            .orElseThrow(
                () ->
                    new ToolFailure(
                        "unknown_tool",
                        "There is no tool named "
                            + call.name()
                            + "; the tools are "
                            + journey.toolDefinitions.stream().map(ToolDefinition::name).toList()));
    JsonNode edited = approvedArguments(approved);
    JsonNode arguments = edited != null ? edited : parseArguments(call);
    String invalid = schemaErrors(tool.spec().path("inputSchema"), arguments);
    if (invalid != null) {
      throw new ToolFailure("invalid_arguments", invalid);
    }
    ToolInvocation invocation =
        new ToolInvocation(
            journey.run.tenantId(),
            journey.run.id(),
            call.id(),
            call.name(),
            tool.spec(),
            arguments,
            within(journey, settings.toolTimeout()));
    Outcome<ToolResult> outcome =
        calls.run(
            journey.control,
            () -> tools.forSpec(tool.spec()).call(invocation),
            invocation.timeout());
    if (outcome.interrupted() != null) {
      interrupted(journey, outcome.interrupted(), null, null);
      throw new ToolFailure(
          "tool_timeout", "The tool did not answer within " + invocation.timeout());
    }
    if (outcome.failure() instanceof ToolFailure failure) {
      throw failure;
    }
    if (outcome.failure() != null) {
      LOG.warn(
          "Tool {} of run {} failed unexpectedly",
          call.name(),
          journey.run.id(),
          outcome.failure());
      throw new ToolFailure(
          "tool_error", "The tool failed: " + outcome.failure().getClass().getSimpleName());
    }
    return outcome.value();
  }

  /**
   * A call that did not return: a stop request ends here (the caller's commit never happens, the
   * next plan ends the run); a run past its deadline ends timed out; otherwise the step's own time
   * limit ran out, which the caller reports ({@code stepTimeoutCode} non-null: the run fails).
   */
  private void interrupted(
      Journey journey, Interrupted why, String stepTimeoutCode, String message) {
    if (why instanceof Interrupted.Stopped || pastDeadline(journey)) {
      if (journey.control.stop() == null && !pastDeadline(journey)) {
        journey.control.requestStop(ActiveRun.Stop.SHUTDOWN);
      }
      throw new StepAbandoned();
    }
    if (stepTimeoutCode != null) {
      journey.carried.add(journey.drafts.failed(stepTimeoutCode, message, true));
      commit(journey, new Ending(RunStatus.FAILED, null, stepTimeoutCode, message));
      throw new RunEnded();
    }
  }

  /**
   * Whether a call needs a human: a high-risk tool always does (the registry refuses to waive its
   * approval); otherwise the agent's override for the tool, else the tool's own rule: "always", or
   * a JSON Schema the arguments match.
   */
  private static boolean needsApproval(
      Journey journey, AgentSnapshot.Version tool, JsonNode arguments) {
    if ("high".equals(tool.spec().path("risk").asText())) {
      return true;
    }
    JsonNode override = journey.policy.toolApproval().path(tool.name());
    JsonNode rule = override.isMissingNode() ? tool.spec().path("approval") : override;
    if (rule.isMissingNode() || rule.isNull() || "never".equals(rule.asText())) {
      return false;
    }
    if (rule.isTextual()) {
      return true;
    }
    return schemaErrors(rule, arguments) == null;
  }

  private Next cancelled(Journey journey) {
    Run current = runs.findAnyTenant(journey.run.id()).orElse(journey.run);
    return new End(
        new Ending(RunStatus.CANCELLED, null, "cancelled", current.cancelReason()),
        journey.drafts.cancelled(current.cancelRequestedBy(), current.cancelReason()));
  }

  private Next maxSteps(Journey journey) {
    return failed(
        journey,
        "max_steps_exceeded",
        "The run took its " + journey.policy.maxSteps() + " steps without a final answer");
  }

  private static Next failed(Journey journey, String code, String message) {
    return new End(
        new Ending(RunStatus.FAILED, null, code, message),
        journey.drafts.failed(code, message, false));
  }

  private static Next succeeded(Journey journey, JsonNode output) {
    return new End(
        new Ending(RunStatus.SUCCEEDED, output, null, null), journey.drafts.succeeded(output));
  }

  private static boolean pastDeadline(Journey journey) {
    return journey.run.deadlineAt() != null && !Instant.now().isBefore(journey.run.deadlineAt());
  }

  /** The step's own limit, shortened to what is left of the run's time. */
  private static Duration within(Journey journey, Duration stepLimit) {
    if (journey.run.deadlineAt() == null) {
      return stepLimit;
    }
    Duration left = Duration.between(Instant.now(), journey.run.deadlineAt());
    return left.compareTo(stepLimit) < 0 ? (left.isNegative() ? Duration.ZERO : left) : stepLimit;
  }

  private static List<ChatMessage> opening(AgentSnapshot snapshot, JsonNode input) {
    List<ChatMessage> messages = new ArrayList<>(2);
    String instructions = snapshot.spec().path("instructions").asText("");
    if (!instructions.isBlank()) {
      messages.add(ChatMessage.system(instructions));
    }
    messages.add(ChatMessage.user(input.isTextual() ? input.asText() : input.toString()));
    return messages;
  }

  private static ModelSettings modelSettings(JsonNode model) {
    return new ModelSettings(
        model.path("provider").asText(),
        model.path("name").asText(),
        model.hasNonNull("temperature") ? model.path("temperature").asDouble() : null,
        model.hasNonNull("maxTokens") ? model.path("maxTokens").asInt() : null,
        model.hasNonNull("baseUrl") ? model.path("baseUrl").asText() : null,
        model.hasNonNull("apiKeySecret") ? model.path("apiKeySecret").asText() : null,
        model.hasNonNull("params") ? model.path("params") : null);
  }

  private static JsonNode parseArguments(ToolCall call) {
    String raw = call.arguments();
    if (raw == null || raw.isBlank()) {
      throw new ToolFailure("invalid_arguments", "The arguments are empty; send a JSON object");
    }
    try {
      JsonNode arguments = JSON.readTree(raw);
      if (arguments == null || !arguments.isObject()) {
        throw new ToolFailure("invalid_arguments", "The arguments must be a JSON object");
      }
      return arguments;
    } catch (JsonProcessingException e) {
      throw new ToolFailure(
          "invalid_arguments", "The arguments are not valid JSON: " + e.getOriginalMessage());
    }
  }

  /**
   * The arguments for the {@code tool.started} event: the object the model sent, or, when it sent
   * anything else (empty, not JSON, not an object), {@code {"raw": <its text>}}. The event's schema
   * requires an object, and an event that breaks it would fail the commit on every claim, so the
   * run would never end; the {@code tool.failed} that follows says what was wrong.
   */
  private static JsonNode argumentsForDisplay(ToolCall call) {
    String raw = call.arguments() == null ? "" : call.arguments();
    try {
      JsonNode parsed = JSON.readTree(raw);
      if (parsed != null && parsed.isObject()) {
        return parsed;
      }
    } catch (JsonProcessingException notJson) {
      // Shown as text below.
    }
    return NODES.objectNode().put("raw", raw);
  }

  /** Null when {@code value} matches {@code schema}, else the violations with their pointers. */
  static String schemaErrors(JsonNode schema, JsonNode value) {
    if (schema == null || schema.isMissingNode() || schema.isNull()) {
      return null;
    }
    List<FieldError> errors = TenantSchemas.violations(schema, value, "");
    if (errors.isEmpty()) {
      return null;
    }
    return errors.stream()
        .map(error -> (error.pointer().isEmpty() ? "/" : error.pointer()) + ": " + error.message())
        .collect(Collectors.joining("; "));
  }

  private static String stripCodeFence(String content) {
    String trimmed = content.strip();
    if (trimmed.startsWith("```")) {
      int firstLine = trimmed.indexOf('\n');
      int closing = trimmed.lastIndexOf("```");
      if (firstLine > 0 && closing > firstLine) {
        return trimmed.substring(firstLine + 1, closing);
      }
    }
    return trimmed;
  }

  /** Thrown out of a step when the run has been ended inside it. */
  private static final class RunEnded extends RuntimeException {
    RunEnded() {
      super(null, null, false, false);
    }
  }

  /** Thrown out of a step that was interrupted for a stop or the run's deadline. */
  private static final class StepAbandoned extends RuntimeException {
    StepAbandoned() {
      super(null, null, false, false);
    }
  }
}
