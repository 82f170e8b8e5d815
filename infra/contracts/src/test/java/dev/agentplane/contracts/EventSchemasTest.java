package dev.agentplane.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EventSchemasTest {

  @Test
  void everySchemaFileBelongsToAnEventTypeAndEveryEventTypeHasOne()
      throws IOException, URISyntaxException {
    URL directory = EventSchemasTest.class.getClassLoader().getResource("schemas");
    assertThat(directory).isNotNull();
    List<String> schemaTypes;
    try (Stream<Path> files = Files.list(Path.of(directory.toURI()))) {
      schemaTypes =
          files
              .filter(Files::isRegularFile)
              .map(file -> file.getFileName().toString())
              .filter(name -> name.endsWith(".json"))
              .map(name -> name.substring(0, name.length() - ".json".length()))
              .toList();
    }

    assertThat(schemaTypes).containsExactlyInAnyOrderElementsOf(EventTypes.all());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyEventType")
  void everySchemaNamesItselfAfterItsTypeAndRecord(String type) throws IOException {
    JsonNode schema = schemaOf(type);

    assertThat(schema.path("$schema").asText())
        .isEqualTo("https://json-schema.org/draft/2020-12/schema");
    assertThat(schema.path("$id").asText()).isEqualTo(EventSchemas.idOf(type).toString());
    assertThat(schema.path("title").asText())
        .isEqualTo(EventTypes.classOf(type).orElseThrow().getSimpleName());
    assertThat(schema.path("additionalProperties").asBoolean(true)).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyEventType")
  void theSampleOfEveryTypeIsValid(String type) {
    assertThat(EventSchemas.validate(type, dataOf(EventFixtures.sampleOf(type)))).isEmpty();
  }

  @ParameterizedTest(name = "{0} without {1}")
  @MethodSource("everyRequiredField")
  void aSampleMissingARequiredFieldFailsNamingThatField(String type, String field) {
    ObjectNode data = dataOf(EventFixtures.sampleOf(type));
    data.remove(field);

    assertThat(EventSchemas.validate(type, data))
        .singleElement()
        .asString()
        .startsWith("/" + field + ":")
        .contains(field);
  }

  @Test
  void everyEventRequiresItsIdTimeVersionAndTenant() {
    for (String type : EventTypes.all()) {
      assertThat(requiredFieldsOf(type))
          .as(type)
          .contains("eventId", "occurredAt", "schemaVersion", "tenantId");
    }
  }

  @Test
  void aWrongEnumValueFailsNamingTheField() {
    ObjectNode data = dataOf(EventFixtures.aRunRequested(EventFixtures.aTenant()));
    data.put("mode", "TURBO");

    assertThat(EventSchemas.validate("dev.agentplane.run.requested", data))
        .singleElement()
        .asString()
        .startsWith("/mode:")
        .contains("enumeration");
  }

  @Test
  void aWrongEnumValueDeepInTheEventFailsNamingItsPath() {
    ObjectNode data = dataOf(EventFixtures.aToolCallApprovalRequested(EventFixtures.aTenant()));
    ((ObjectNode) data.get("policy")).put("onExpiry", "SHRUG");

    assertThat(EventSchemas.validate("dev.agentplane.approval.requested", data))
        .singleElement()
        .asString()
        .startsWith("/policy/onExpiry:");
  }

  @Test
  void aFieldTheSchemaDoesNotKnowFails() {
    ObjectNode data = dataOf(EventFixtures.aRunStarted(EventFixtures.aTenant()));
    data.put("workerId", "w-1");

    assertThat(EventSchemas.validate("dev.agentplane.run.started", data))
        .singleElement()
        .asString()
        .startsWith("/workerId:");
  }

  @Test
  void identifiersAndInstantsMustBeWellFormed() {
    ObjectNode data = dataOf(EventFixtures.aRunStarted(EventFixtures.aTenant()));
    data.put("runId", "run-1");
    data.put("occurredAt", "yesterday");

    assertThat(EventSchemas.validate("dev.agentplane.run.started", data))
        .hasSize(2)
        .anySatisfy(violation -> assertThat(violation).startsWith("/runId:"))
        .anySatisfy(violation -> assertThat(violation).startsWith("/occurredAt:"));
  }

  @Test
  void aToolCallApprovalMustNameTheRunAndTheToolCall() {
    ObjectNode data = dataOf(EventFixtures.aToolCallApprovalRequested(EventFixtures.aTenant()));
    ((ObjectNode) data.get("subject")).remove("toolCallId");

    assertThat(EventSchemas.validate("dev.agentplane.approval.requested", data))
        .singleElement()
        .asString()
        .startsWith("/subject/toolCallId:");
  }

  @Test
  void aPromotionApprovalWithoutAssignedIdIsValidButOneWithoutVersionIsNot() {
    ObjectNode data = dataOf(EventFixtures.aPromotionApprovalRequested(EventFixtures.aTenant()));
    assertThat(EventSchemas.validate("dev.agentplane.approval.requested", data)).isEmpty();

    ((ObjectNode) data.get("subject")).remove("version");

    assertThat(EventSchemas.validate("dev.agentplane.approval.requested", data))
        .singleElement()
        .asString()
        .startsWith("/subject/version:");
  }

  @Test
  void aCustomApprovalNamesAReferenceAndNothingElseIsNeeded() {
    ObjectNode data = dataOf(EventFixtures.aCustomApprovalDecided(EventFixtures.aTenant()));
    assertThat(EventSchemas.validate("dev.agentplane.approval.decided", data)).isEmpty();
    assertThat(EventFixtures.aCustomApprovalDecided("t").subject().key())
        .isEqualTo("custom/deploy/prod/42");

    ((ObjectNode) data.get("subject")).remove("reference");

    assertThat(EventSchemas.validate("dev.agentplane.approval.decided", data))
        .singleElement()
        .asString()
        .startsWith("/subject/reference:");
  }

  @Test
  void argumentEditsMustBeAJsonPatch() {
    ObjectNode data = dataOf(EventFixtures.anApprovalDecidedWithEdits(EventFixtures.aTenant()));
    data.putArray("argumentsDiff").addObject().put("op", "rename").put("path", "/amount");

    assertThat(EventSchemas.validate("dev.agentplane.approval.decided", data))
        .singleElement()
        .asString()
        .startsWith("/argumentsDiff/0/op:");
  }

  @Test
  void aModelCompletionCarriesTextOnlyWhenTheModelWroteSome() {
    ObjectNode toolsOnly = dataOf(EventFixtures.aModelCompleted(EventFixtures.aTenant()));
    assertThat(toolsOnly.has("content")).isFalse();
    assertThat(EventSchemas.validate("dev.agentplane.run.model_completed", toolsOnly)).isEmpty();

    ObjectNode withText = toolsOnly.deepCopy().put("content", "Paid invoice INV-42.");

    assertThat(EventSchemas.validate("dev.agentplane.run.model_completed", withText)).isEmpty();
  }

  @Test
  void aStepIsAModelCallOrAToolCall() {
    ObjectNode data = dataOf(EventFixtures.aStepStarted(EventFixtures.aTenant()));
    data.put("kind", "THINK");

    assertThat(EventSchemas.validate("dev.agentplane.run.step_started", data))
        .singleElement()
        .asString()
        .startsWith("/kind:");
  }

  @Test
  void aRunRequestPinsAVersionNumberOrActive() {
    ObjectNode data = dataOf(EventFixtures.aRunRequested(EventFixtures.aTenant()));
    data.put("version", "12");
    assertThat(EventSchemas.validate("dev.agentplane.run.requested", data)).isEmpty();

    data.put("version", "latest");

    assertThat(EventSchemas.validate("dev.agentplane.run.requested", data))
        .singleElement()
        .asString()
        .startsWith("/version:");
  }

  @Test
  void dataThatIsNotAnObjectFailsAtTheRoot() {
    assertThat(
            EventSchemas.validate(
                "dev.agentplane.run.started", EventJson.MAPPER.createArrayNode().add(1)))
        .singleElement()
        .asString()
        .startsWith("(root):");
  }

  @Test
  void anUnknownTypeHasNoSchemaToMatch() {
    assertThat(EventSchemas.validate("dev.agentplane.run.teleported", dataOf(sampleRun())))
        .singleElement()
        .asString()
        .contains("dev.agentplane.run.teleported");
  }

  @Test
  void requiringValidityThrowsWithEveryViolation() {
    ObjectNode data = dataOf(sampleRun());
    data.remove("runId");
    data.put("sequence", 0);

    assertThatThrownBy(() -> EventSchemas.requireValid("dev.agentplane.run.started", data))
        .isInstanceOf(MalformedEventException.class)
        .hasMessageContaining("/runId")
        .hasMessageContaining("/sequence")
        .satisfies(e -> assertThat(((MalformedEventException) e).violations()).hasSize(2));
  }

  static Stream<String> everyEventType() {
    return EventTypes.all().stream();
  }

  static Stream<Arguments> everyRequiredField() {
    return EventTypes.all().stream()
        .flatMap(type -> requiredFieldsOf(type).stream().map(field -> Arguments.of(type, field)));
  }

  private static List<String> requiredFieldsOf(String type) {
    try {
      return schemaOf(type).path("required").valueStream().map(JsonNode::asText).toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode schemaOf(String type) throws IOException {
    try (InputStream in =
        EventSchemasTest.class
            .getClassLoader()
            .getResourceAsStream(EventSchemas.resourceOf(type))) {
      assertThat(in).as(EventSchemas.resourceOf(type)).isNotNull();
      return EventJson.MAPPER.readTree(in);
    }
  }

  private static PlatformEvent sampleRun() {
    return EventFixtures.aRunStarted(EventFixtures.aTenant());
  }

  private static ObjectNode dataOf(PlatformEvent event) {
    return EventJson.MAPPER.valueToTree(event);
  }
}
