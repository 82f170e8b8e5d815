package dev.agentplane.registry.validation;

import static dev.agentplane.registry.validation.AgentSpecBuilder.anAgent;
import static dev.agentplane.registry.validation.InMemoryRegistry.TENANT;
import static dev.agentplane.registry.validation.InMemoryRegistry.aRegistry;
import static dev.agentplane.registry.validation.Json.json;
import static dev.agentplane.registry.validation.ReportAssert.assertThatReport;
import static dev.agentplane.registry.validation.ToolSpecBuilder.aTool;
import static dev.agentplane.registry.validation.ValidationCode.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.registry.version.VersionStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Whatever JSON arrives, validation answers with issues and never throws. */
class OddInputTest {

  private static final Set<String> KNOWN_CODES =
      Arrays.stream(ValidationCode.values()).map(ValidationCode::code).collect(Collectors.toSet());

  private final SpecValidator validator = new SpecValidator();
  private final InMemoryRegistry registry = aRegistry().withSecret(ToolSpecBuilder.SECRET);

  @ParameterizedTest
  @ValueSource(strings = {"null", "42", "\"a tool\"", "true", "[]", "[{}]"})
  void aSpecThatIsNoObjectIsNotAnObject(String spec) {
    assertThatReport(validator.validateTool(TENANT, json(spec), ValidationPurpose.CHECK, registry))
        .hasOnlyError(SPEC_NOT_AN_OBJECT, "");
    assertThatReport(
            validator.validateAgent(
                TENANT, "forecaster", json(spec), ValidationPurpose.CHECK, registry))
        .hasOnlyError(SPEC_NOT_AN_OBJECT, "");
  }

  @Test
  void noSpecAtAllIsNotAnObject() {
    assertThatReport(validator.validateTool(TENANT, null, ValidationPurpose.CHECK, registry))
        .hasOnlyError(SPEC_NOT_AN_OBJECT, "");
  }

  @Test
  void anEmptyObjectIsMissingEveryRequiredField() {
    assertThat(
            validator.validateTool(TENANT, json("{}"), ValidationPurpose.CHECK, registry).errors())
        .extracting(ValidationIssue::pointer)
        .containsExactly("/approval", "/description", "/inputSchema", "/risk", "/type");
  }

  @Test
  void nullsInEveryFieldAreWrongTypesNotExceptions() {
    JsonNode tool =
        json(
            "{'description': null, 'type': null, 'http': null, 'builtin': null, 'mcp': null,"
                + " 'agent': null, 'inputSchema': null, 'risk': null, 'approval': null}");
    JsonNode agent =
        json(
            "{'description': null, 'kind': null, 'model': null, 'instructions': null,"
                + " 'tools': [null, {'name': null, 'version': null}], 'inputSchema': null,"
                + " 'outputSchema': null, 'policy': {'maxSteps': null, 'toolApproval': null}}");

    ValidationReport toolReport =
        validator.validateTool(TENANT, tool, ValidationPurpose.CHECK, registry);
    ValidationReport agentReport =
        validator.validateAgent(TENANT, "forecaster", agent, ValidationPurpose.PROMOTION, registry);

    // An enumeration has no type of its own, so a null there is a value outside it.
    assertThatReport(toolReport)
        .hasError(SPEC_WRONG_TYPE, "/http")
        .hasError(SPEC_INVALID_VALUE, "/risk");
    assertThatReport(agentReport)
        .hasError(SPEC_WRONG_TYPE, "/tools/0")
        .hasError(SPEC_WRONG_TYPE, "/tools/1/name")
        .hasError(SPEC_WRONG_TYPE, "/policy/maxSteps");
  }

  @Test
  void aToolListLongerThanTheLimitIsOutOfRangeAndItsEntriesAreNotLookedUp() {
    AgentSpecBuilder agent = anAgent();
    for (int i = 0; i <= AgentSpecRules.MAX_TOOLS; i++) {
      agent.usingTool("tool-" + i, 1);
    }
    assertThatReport(
            validator.validateAgent(
                TENANT, "forecaster", agent.build(), ValidationPurpose.CHECK, registry))
        .hasOnlyError(SPEC_OUT_OF_RANGE, "/tools");
  }

  @Test
  void aHugeSpecIsRefusedAsTooLargeWithoutWalkingItsElements() {
    ArrayNode tools = Json.array();
    for (int i = 0; i < 200_000; i++) {
      tools.add(Json.object().put("name", "weather").put("version", 1));
    }
    JsonNode spec = anAgent().set("/tools", tools).build();

    long started = System.nanoTime();
    ValidationReport report =
        validator.validateAgent(TENANT, "forecaster", spec, ValidationPurpose.CHECK, registry);

    assertThatReport(report).hasOnlyError(SPEC_TOO_LARGE, "");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void aHugeStringIsOutOfRangeAndQuotedOnlyInPart() {
    String huge = "x".repeat(1_000_000);
    ValidationReport report =
        validator.validateTool(
            TENANT,
            aTool().set("/description", huge).url(huge).build(),
            ValidationPurpose.CHECK,
            registry);

    assertThatReport(report)
        .hasError(SPEC_OUT_OF_RANGE, "/description")
        .hasError(SPEC_OUT_OF_RANGE, "/http/url");
    assertThat(report.errors())
        .allSatisfy(issue -> assertThat(issue.message()).hasSizeLessThan(400));
  }

  @Test
  void oddFactsFromTheRegistryDoNotBreakTheRules() {
    registry
        .withTool("broken", 1, VersionStatus.ACTIVE, json("[1, 2]"))
        .withTool("nulls", 1, VersionStatus.ACTIVE, json("{'type': null, 'risk': null}"))
        .withTool("ask-odd", 1, VersionStatus.ACTIVE, aTool().callingAgent("odd").build())
        .withAgent("odd", json("{'tools': 'all of them'}"));
    JsonNode spec =
        anAgent()
            .orchestrator()
            .usingTool("broken", 1)
            .usingTool("nulls", "active")
            .usingTool("ask-odd", "active")
            .toolApproval("broken", "never")
            .build();

    assertThatReport(
            validator.validateAgent(
                TENANT, "forecaster", spec, ValidationPurpose.PROMOTION, registry))
        .hasNoErrors();
  }

  /**
   * Mutates valid specs at random (a seeded, reproducible sample): every report only carries known
   * codes and well-formed pointers, and nothing throws.
   */
  @Test
  void randomlyMangledSpecsYieldIssuesNotExceptions() {
    registry
        .withActiveTool("weather", aTool().build())
        .withAgent("researcher", anAgent().build())
        .withActiveTool("ask-researcher", aTool().callingAgent("researcher").build());
    List<JsonNode> seeds =
        List.of(
            aTool().build(),
            aTool().post().highRisk().body("{\"c\": \"{city}\"}").build(),
            aTool().builtin("echo").build(),
            aTool().mcp("https://mcp.example/sse").set("/mcp/authSecret", "X").build(),
            aTool().callingAgent("researcher").build(),
            anAgent()
                .orchestrator()
                .openai()
                .set("/model/baseUrl", "https://llm.example/v1")
                .usingTool("weather", 1)
                .usingTool("ask-researcher", "active")
                .policy("maxSteps", 3)
                .toolApproval("weather", json("{'properties': {'city': {'const': 'x'}}}"))
                .build(),
            anAgent()
                .usingTool("weather", 1)
                .scripted(
                    json(
                        "[{'toolCalls': [{'tool': 'weather', 'arguments': {'city':"
                            + " '{{input.city}}'}}]}, {'answer': {'text': '{{tool.weather}}'}}]"))
                .build());
    Random random = new Random(20_261_123L);
    for (int round = 0; round < 3_000; round++) {
      JsonNode spec = seeds.get(random.nextInt(seeds.size())).deepCopy();
      for (int mutations = 1 + random.nextInt(4); mutations > 0; mutations--) {
        mutate(spec, random);
      }
      boolean asTool = random.nextBoolean();
      ValidationPurpose purpose = ValidationPurpose.values()[random.nextInt(2)];
      JsonNode input = spec;
      assertThatCode(
              () -> {
                ValidationReport report =
                    asTool
                        ? validator.validateTool(TENANT, input, purpose, registry)
                        : validator.validateAgent(TENANT, "planner", input, purpose, registry);
                assertThat(Stream.concat(report.errors().stream(), report.warnings().stream()))
                    .allSatisfy(
                        issue -> {
                          assertThat(KNOWN_CODES).contains(issue.code());
                          assertThat(issue.pointer()).matches("(/[^/]*)*");
                          assertThat(issue.message()).isNotBlank();
                        });
                assertThat(report.valid()).isEqualTo(report.errors().isEmpty());
              })
          .as("round %d on %s", round, input)
          .doesNotThrowAnyException();
    }
  }

  private static final List<JsonNode> ODD_VALUES =
      List.of(
          JsonNodeFactory.instance.nullNode(),
          JsonNodeFactory.instance.numberNode(-1),
          JsonNodeFactory.instance.numberNode(1.5),
          JsonNodeFactory.instance.numberNode(new java.math.BigInteger("99999999999999999999")),
          JsonNodeFactory.instance.booleanNode(true),
          JsonNodeFactory.instance.textNode(""),
          JsonNodeFactory.instance.textNode("{x}{{secret:"),
          JsonNodeFactory.instance.textNode("http://[::1"),
          JsonNodeFactory.instance.textNode("active"),
          JsonNodeFactory.instance.textNode("never"),
          JsonNodeFactory.instance.arrayNode().add(1).add("a"),
          JsonNodeFactory.instance.objectNode().put("$ref", "#/nowhere"),
          JsonNodeFactory.instance.objectNode().put("type", "agent"));

  private static void mutate(JsonNode root, Random random) {
    List<JsonNode> containers = new ArrayList<>();
    collectContainers(root, containers);
    JsonNode target = containers.get(random.nextInt(containers.size()));
    JsonNode value = ODD_VALUES.get(random.nextInt(ODD_VALUES.size())).deepCopy();
    if (target instanceof ObjectNode object) {
      List<String> names = new ArrayList<>();
      object.fieldNames().forEachRemaining(names::add);
      if (names.isEmpty() || random.nextInt(5) == 0) {
        object.set("odd~/" + random.nextInt(3), value);
      } else if (random.nextInt(4) == 0) {
        object.remove(names.get(random.nextInt(names.size())));
      } else {
        object.set(names.get(random.nextInt(names.size())), value);
      }
    } else if (target instanceof ArrayNode array) {
      if (array.isEmpty() || random.nextBoolean()) {
        array.add(value);
      } else {
        array.set(random.nextInt(array.size()), value);
      }
    }
  }

  private static void collectContainers(JsonNode node, List<JsonNode> into) {
    if (node.isContainerNode()) {
      into.add(node);
      node.elements().forEachRemaining(child -> collectContainers(child, into));
    }
  }
}
