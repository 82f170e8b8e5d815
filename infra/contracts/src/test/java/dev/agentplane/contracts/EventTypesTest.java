package dev.agentplane.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class EventTypesTest {

  @Test
  void everyPayloadRecordOfTheSealedHierarchyHasItsOwnType() {
    assertThat(EventTypes.allClasses())
        .hasSize(23)
        .allSatisfy(eventClass -> assertThat(eventClass.isRecord()).isTrue());
    assertThat(EventTypes.all()).doesNotHaveDuplicates().hasSize(23);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.agentplane.contracts.EventSchemasTest#everyEventType")
  void aTypeMapsToItsRecordAndBack(String type) {
    Class<? extends PlatformEvent> eventClass = EventTypes.classOf(type).orElseThrow();

    assertThat(EventTypes.typeOf(eventClass)).isEqualTo(type);
    assertThat(EventTypes.typeOf(EventFixtures.sampleOf(type))).isEqualTo(type);
    // Reverse DNS under the platform's domain, lower snake case, like the file names.
    assertThat(type).matches("dev\\.agentplane\\.(registry\\.version|run|approval)\\.[a-z_]+");
  }

  @Test
  void aTypeThatIsNotOursMapsToNoRecord() {
    assertThat(EventTypes.classOf("com.example.order.placed")).isEmpty();
  }

  @Test
  void aTypeIsNeverAskedOfAnInterface() {
    assertThatThrownBy(() -> EventTypes.typeOf(RunEvent.class))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.agentplane.contracts.EventSchemasTest#everyEventType")
  void everyEventIsPublishedOnTheTopicOfItsFamily(String type) {
    PlatformEvent event = EventFixtures.sampleOf(type);

    String expected =
        switch (type.split("\\.")[2]) {
          case "registry" -> Topics.REGISTRY_LIFECYCLE;
          case "run" -> type.endsWith(".requested") ? Topics.RUNS_REQUESTED : Topics.RUNS_EVENTS;
          case "approval" ->
              type.endsWith(".requested") ? Topics.APPROVALS_REQUESTED : Topics.APPROVALS_DECIDED;
          default -> throw new AssertionError(type);
        };
    assertThat(Topics.of(event)).isEqualTo(expected);
  }

  @Test
  void runEventsAreKeyedByRun() {
    RunEvent.RunQueued queued = EventFixtures.aRunQueued(EventFixtures.aTenant());

    assertThat(queued.aggregateId()).isEqualTo(queued.runId().toString());
  }

  @Test
  void everyRunEventHasAStreamNameOfItsOwnThatStaysOutOfThePayload() {
    List<RunEvent> runEvents =
        EventTypes.all().stream()
            .map(EventFixtures::sampleOf)
            .filter(RunEvent.class::isInstance)
            .map(RunEvent.class::cast)
            .toList();

    assertThat(runEvents).hasSize(15);
    assertThat(runEvents)
        .extracting(RunEvent::streamName)
        .doesNotHaveDuplicates()
        .allSatisfy(name -> assertThat(name).matches("(run|step|model|tool)\\.[a-z_]+"));
    assertThat(runEvents)
        .allSatisfy(
            event -> assertThat(EventJson.MAPPER.valueToTree(event).has("streamName")).isFalse());
  }

  @Test
  void lifecycleEventsAreKeyedByResource() {
    RegistryLifecycleEvent.VersionActivated activated =
        EventFixtures.aVersionActivated(EventFixtures.aTenant());

    assertThat(activated.aggregateId()).isEqualTo(activated.resourceId().toString());
  }

  @Test
  void approvalRequestsAreKeyedBySubjectAndDecisionsByApproval() {
    ApprovalRequested toolCall = EventFixtures.aToolCallApprovalRequested(EventFixtures.aTenant());
    ApprovalRequested promotion =
        EventFixtures.aPromotionApprovalRequested(EventFixtures.aTenant());
    ApprovalDecided decided = EventFixtures.anApprovalDecidedWithEdits(EventFixtures.aTenant());

    assertThat(toolCall.aggregateId())
        .isEqualTo("run/" + toolCall.subject().runId() + "/tool-call/call_8f3a");
    assertThat(promotion.aggregateId())
        .isEqualTo("tool/" + promotion.subject().resourceId() + "/version/2");
    assertThat(decided.aggregateId()).isEqualTo(decided.approvalId().toString());
  }

  @Test
  void aRunRequestIsKeyedByRunThenIdempotencyKeyThenItself() {
    RunRequested external = EventFixtures.aRunRequested(EventFixtures.aTenant());
    UUID runId = UUID.randomUUID();
    RunRequested assigned = withIds(external, runId, external.idempotencyKey());
    RunRequested anonymous = withIds(external, null, null);

    assertThat(assigned.aggregateId()).isEqualTo(runId.toString());
    assertThat(external.aggregateId()).isEqualTo(external.idempotencyKey());
    assertThat(anonymous.aggregateId()).isEqualTo(external.eventId().toString());
  }

  private static RunRequested withIds(RunRequested request, UUID runId, String idempotencyKey) {
    return new RunRequested(
        request.eventId(),
        request.occurredAt(),
        request.schemaVersion(),
        request.tenantId(),
        runId,
        request.agent(),
        request.version(),
        request.input(),
        request.mode(),
        idempotencyKey,
        request.metadata(),
        request.requestedBy());
  }
}
