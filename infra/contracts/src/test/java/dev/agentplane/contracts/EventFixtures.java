package dev.agentplane.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.contracts.RegistryLifecycleEvent.VersionActivated;
import dev.agentplane.contracts.RegistryLifecycleEvent.VersionArchived;
import dev.agentplane.contracts.RegistryLifecycleEvent.VersionDrafted;
import dev.agentplane.contracts.RegistryLifecycleEvent.VersionReviewRejected;
import dev.agentplane.contracts.RegistryLifecycleEvent.VersionSubmittedForReview;
import dev.agentplane.contracts.RunEvent.ModelCompleted;
import dev.agentplane.contracts.RunEvent.ModelDelta;
import dev.agentplane.contracts.RunEvent.RunCancelled;
import dev.agentplane.contracts.RunEvent.RunFailed;
import dev.agentplane.contracts.RunEvent.RunQueued;
import dev.agentplane.contracts.RunEvent.RunResumed;
import dev.agentplane.contracts.RunEvent.RunStarted;
import dev.agentplane.contracts.RunEvent.RunSucceeded;
import dev.agentplane.contracts.RunEvent.RunTimedOut;
import dev.agentplane.contracts.RunEvent.StepStarted;
import dev.agentplane.contracts.RunEvent.ToolApprovalDecided;
import dev.agentplane.contracts.RunEvent.ToolApprovalRequested;
import dev.agentplane.contracts.RunEvent.ToolFailed;
import dev.agentplane.contracts.RunEvent.ToolStarted;
import dev.agentplane.contracts.RunEvent.ToolSucceeded;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/** A valid sample of every payload record, each in a tenant of its own. */
final class EventFixtures {

  // Nanosecond precision on purpose: the round trip must not truncate instants.
  static final Instant OCCURRED_AT = Instant.parse("2025-03-14T09:26:53.589793238Z");

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private static final Map<Class<? extends PlatformEvent>, Function<String, PlatformEvent>>
      SAMPLES =
          Map.ofEntries(
              Map.entry(VersionDrafted.class, EventFixtures::aVersionDrafted),
              Map.entry(VersionSubmittedForReview.class, EventFixtures::aVersionSubmittedForReview),
              Map.entry(VersionActivated.class, EventFixtures::aVersionActivated),
              Map.entry(VersionArchived.class, EventFixtures::aVersionArchived),
              Map.entry(VersionReviewRejected.class, EventFixtures::aVersionReviewRejected),
              Map.entry(RunRequested.class, EventFixtures::aRunRequested),
              Map.entry(RunQueued.class, EventFixtures::aRunQueued),
              Map.entry(RunStarted.class, EventFixtures::aRunStarted),
              Map.entry(StepStarted.class, EventFixtures::aStepStarted),
              Map.entry(ModelDelta.class, EventFixtures::aModelDelta),
              Map.entry(ModelCompleted.class, EventFixtures::aModelCompleted),
              Map.entry(ToolStarted.class, EventFixtures::aToolStarted),
              Map.entry(ToolSucceeded.class, EventFixtures::aToolSucceeded),
              Map.entry(ToolFailed.class, EventFixtures::aToolFailed),
              Map.entry(ToolApprovalRequested.class, EventFixtures::aToolApprovalRequested),
              Map.entry(ToolApprovalDecided.class, EventFixtures::aToolApprovalDecidedWithEdits),
              Map.entry(RunResumed.class, EventFixtures::aRunResumed),
              Map.entry(RunSucceeded.class, EventFixtures::aRunSucceeded),
              Map.entry(RunFailed.class, EventFixtures::aRunFailed),
              Map.entry(RunCancelled.class, EventFixtures::aRunCancelled),
              Map.entry(RunTimedOut.class, EventFixtures::aRunTimedOut),
              Map.entry(ApprovalRequested.class, EventFixtures::aToolCallApprovalRequested),
              Map.entry(ApprovalDecided.class, EventFixtures::anApprovalDecidedWithEdits));

  private EventFixtures() {}

  static String aTenant() {
    return "tenant-" + UUID.randomUUID();
  }

  /** A valid sample of the record behind {@code type}, in a fresh tenant. */
  static PlatformEvent sampleOf(String type) {
    Class<? extends PlatformEvent> eventClass =
        EventTypes.classOf(type).orElseThrow(() -> new IllegalArgumentException(type));
    Function<String, PlatformEvent> sample = SAMPLES.get(eventClass);
    if (sample == null) {
      throw new IllegalStateException("No fixture for " + eventClass.getName() + ": add one here");
    }
    return sample.apply(aTenant());
  }

  static VersionDrafted aVersionDrafted(String tenant) {
    return new VersionDrafted(
        UUID.randomUUID(),
        OCCURRED_AT,
        1,
        tenant,
        ResourceKind.AGENT,
        UUID.randomUUID(),
        "invoice-triage",
        1,
        aSpecHash(),
        "user-builder");
  }

  static VersionSubmittedForReview aVersionSubmittedForReview(String tenant) {
    return new VersionSubmittedForReview(
        UUID.randomUUID(),
        OCCURRED_AT,
        1,
        tenant,
        ResourceKind.TOOL,
        UUID.randomUUID(),
        "wire-transfer",
        2,
        aSpecHash(),
        "user-builder");
  }

  static VersionActivated aVersionActivated(String tenant) {
    return new VersionActivated(
        UUID.randomUUID(),
        OCCURRED_AT,
        1,
        tenant,
        ResourceKind.AGENT,
        UUID.randomUUID(),
        "invoice-triage",
        3,
        aSpecHash(),
        "user-approver",
        2);
  }

  static VersionArchived aVersionArchived(String tenant) {
    return new VersionArchived(
        UUID.randomUUID(),
        OCCURRED_AT,
        1,
        tenant,
        ResourceKind.AGENT,
        UUID.randomUUID(),
        "invoice-triage",
        2,
        aSpecHash(),
        "system");
  }

  static VersionReviewRejected aVersionReviewRejected(String tenant) {
    return new VersionReviewRejected(
        UUID.randomUUID(),
        OCCURRED_AT,
        1,
        tenant,
        ResourceKind.TOOL,
        UUID.randomUUID(),
        "wire-transfer",
        2,
        aSpecHash(),
        "user-approver",
        "DELETE on /accounts is not allowed");
  }

  static RunRequested aRunRequested(String tenant) {
    ObjectNode input = JSON.objectNode().put("invoiceId", "INV-42").put("amount", 1250.75);
    input.putArray("tags").add("urgent").add("emea");
    return new RunRequested(
        UUID.randomUUID(),
        OCCURRED_AT,
        1,
        tenant,
        null,
        "invoice-triage",
        "active",
        input,
        RunMode.PRODUCTION,
        "order-" + UUID.randomUUID(),
        Map.of("source", "erp", "batch", "7"),
        aServiceRequester());
  }

  static RunQueued aRunQueued(String tenant) {
    return new RunQueued(
        UUID.randomUUID(),
        OCCURRED_AT,
        1,
        tenant,
        UUID.randomUUID(),
        UUID.randomUUID(),
        1,
        3,
        RunMode.DEBUG);
  }

  static RunStarted aRunStarted(String tenant) {
    return new RunStarted(
        UUID.randomUUID(), OCCURRED_AT, 1, tenant, UUID.randomUUID(), UUID.randomUUID(), 2);
  }

  static StepStarted aStepStarted(String tenant) {
    return new StepStarted(
        UUID.randomUUID(),
        OCCURRED_AT,
        1,
        tenant,
        UUID.randomUUID(),
        UUID.randomUUID(),
        3,
        1,
        StepKind.MODEL);
  }

  static ModelDelta aModelDelta(String tenant) {
    return new ModelDelta(
        UUID.randomUUID(),
        OCCURRED_AT,
        1,
        tenant,
        UUID.randomUUID(),
        UUID.randomUUID(),
        4,
        1,
        "The transfer of 1250.75 EUR ");
  }

  static ModelCompleted aModelCompleted(String tenant) {
    return new ModelCompleted(
        UUID.randomUUID(),
        OCCURRED_AT,
        1,
        tenant,
        UUID.randomUUID(),
        UUID.randomUUID(),
        5,
        1,
        null,
        1,
        412,
        37,
        "tool_calls");
  }

  static ToolStarted aToolStarted(String tenant) {
    return new ToolStarted(
        UUID.randomUUID(),
        OCCURRED_AT,
        1,
        tenant,
        UUID.randomUUID(),
        UUID.randomUUID(),
        6,
        2,
        "call_8f3a",
        "wire-transfer",
        transferArguments(1250.75),
        "0c3a5b52-8a0e-4d8f-9a43-5d3c1f0e2b11:call_8f3a");
  }

  static ToolSucceeded aToolSucceeded(String tenant) {
    return new ToolSucceeded(
        UUID.randomUUID(),
        OCCURRED_AT,
        1,
        tenant,
        UUID.randomUUID(),
        UUID.randomUUID(),
        7,
        2,
        "call_8f3a",
        "wire-transfer",
        "{\"status\":\"sent\"}",
        184);
  }

  static ToolFailed aToolFailed(String tenant) {
    return new ToolFailed(
        UUID.randomUUID(),
        OCCURRED_AT,
        1,
        tenant,
        UUID.randomUUID(),
        UUID.randomUUID(),
        7,
        2,
        "call_8f3a",
        "wire-transfer",
        "tool_http_error",
        "HTTP 502 from payments");
  }

  static ToolApprovalDecided aToolApprovalDecidedWithEdits(String tenant) {
    return new ToolApprovalDecided(
        UUID.randomUUID(),
        OCCURRED_AT,
        1,
        tenant,
        UUID.randomUUID(),
        UUID.randomUUID(),
        6,
        "call_8f3a",
        "wire-transfer",
        UUID.randomUUID(),
        ApprovalOutcome.APPROVED,
        List.of("user-approver-1"),
        "Capped the amount",
        JSON.arrayNode()
            .add(JSON.objectNode().put("op", "replace").put("path", "/amount").put("value", 100)));
  }

  static ToolApprovalRequested aToolApprovalRequested(String tenant) {
    return new ToolApprovalRequested(
        UUID.randomUUID(),
        OCCURRED_AT,
        1,
        tenant,
        UUID.randomUUID(),
        UUID.randomUUID(),
        5,
        "call_8f3a",
        "wire-transfer",
        UUID.randomUUID());
  }

  static RunResumed aRunResumed(String tenant) {
    return new RunResumed(
        UUID.randomUUID(), OCCURRED_AT, 1, tenant, UUID.randomUUID(), UUID.randomUUID(), 7);
  }

  static RunSucceeded aRunSucceeded(String tenant) {
    ObjectNode output = JSON.objectNode().put("decision", "pay").put("confidence", 0.93);
    output.putObject("audit").put("steps", 4).putNull("escalation");
    return new RunSucceeded(
        UUID.randomUUID(), OCCURRED_AT, 1, tenant, UUID.randomUUID(), UUID.randomUUID(), 8, output);
  }

  static RunFailed aRunFailed(String tenant) {
    return new RunFailed(
        UUID.randomUUID(),
        OCCURRED_AT,
        1,
        tenant,
        UUID.randomUUID(),
        UUID.randomUUID(),
        9,
        "model_unavailable",
        "The model provider answered 503 three times",
        true);
  }

  static RunCancelled aRunCancelled(String tenant) {
    return new RunCancelled(
        UUID.randomUUID(),
        OCCURRED_AT,
        1,
        tenant,
        UUID.randomUUID(),
        UUID.randomUUID(),
        3,
        "user-operator",
        "Duplicate of another run");
  }

  static RunTimedOut aRunTimedOut(String tenant) {
    return new RunTimedOut(
        UUID.randomUUID(),
        OCCURRED_AT,
        1,
        tenant,
        UUID.randomUUID(),
        UUID.randomUUID(),
        12,
        "timeout");
  }

  static ApprovalRequested aToolCallApprovalRequested(String tenant) {
    ObjectNode context =
        JSON.objectNode()
            .put("toolName", "wire-transfer")
            .put("risk", "high")
            .put("reason", "Transfers above 1000 EUR need a human")
            .put("link", "/v1/runs/123#call_8f3a");
    context.set("arguments", transferArguments(1250.75));
    context.putObject("inputSchema").put("type", "object");
    return new ApprovalRequested(
        UUID.randomUUID(),
        OCCURRED_AT,
        1,
        tenant,
        UUID.randomUUID(),
        ApprovalKind.TOOL_CALL,
        ApprovalSubject.toolCall(UUID.randomUUID(), "call_8f3a"),
        new Requester("user-operator", List.of("operator"), PrincipalType.USER),
        "Wire 1250.75 EUR to ACME",
        "The invoice-triage agent wants to pay invoice INV-42.",
        context,
        new ApprovalPolicy(
            2,
            List.of("approver", "admin"),
            true,
            OCCURRED_AT.plusSeconds(3600),
            ExpiryOutcome.REJECT));
  }

  static ApprovalRequested aPromotionApprovalRequested(String tenant) {
    return new ApprovalRequested(
        UUID.randomUUID(),
        OCCURRED_AT,
        1,
        tenant,
        null,
        ApprovalKind.PROMOTION,
        ApprovalSubject.promotion(ResourceKind.TOOL, UUID.randomUUID(), 2),
        new Requester("user-builder", List.of("builder"), PrincipalType.USER),
        "Promote wire-transfer v2",
        "Uses DELETE, a high-risk HTTP method.",
        JSON.objectNode().put("risk", "high"),
        new ApprovalPolicy(1, List.of("approver"), true, null, ExpiryOutcome.REJECT));
  }

  static ApprovalDecided aCustomApprovalDecided(String tenant) {
    return new ApprovalDecided(
        UUID.randomUUID(),
        OCCURRED_AT,
        1,
        tenant,
        UUID.randomUUID(),
        ApprovalKind.CUSTOM,
        ApprovalSubject.custom("deploy/prod/42"),
        ApprovalOutcome.REJECTED,
        null,
        null,
        "Not during the freeze",
        List.of("user-approver-1"),
        OCCURRED_AT.minusSeconds(1));
  }

  static ApprovalDecided anApprovalDecidedWithEdits(String tenant) {
    JsonNode diff =
        JSON.arrayNode()
            .add(JSON.objectNode().put("op", "replace").put("path", "/amount").put("value", 1000));
    return new ApprovalDecided(
        UUID.randomUUID(),
        OCCURRED_AT,
        1,
        tenant,
        UUID.randomUUID(),
        ApprovalKind.TOOL_CALL,
        ApprovalSubject.toolCall(UUID.randomUUID(), "call_8f3a"),
        ApprovalOutcome.APPROVED,
        transferArguments(1000),
        diff,
        "Capped at the monthly limit",
        List.of("user-approver-1", "user-approver-2"),
        OCCURRED_AT.minusSeconds(1));
  }

  private static ObjectNode transferArguments(double amount) {
    return JSON.objectNode().put("amount", amount).put("currency", "EUR").put("payee", "ACME");
  }

  private static Requester aServiceRequester() {
    return new Requester("svc-erp", List.of("operator"), PrincipalType.SERVICE);
  }

  private static String aSpecHash() {
    return "sha256:" + "ab12".repeat(16);
  }
}
