package dev.agentplane.execution.loop;

import static dev.agentplane.execution.support.ScriptedAgent.aScriptedAgent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.execution.support.ExecutionTestSupport;
import dev.agentplane.execution.support.ToolSpecs;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.SseStream.SseEvent;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The loop's limits and how it feeds mistakes back to the model, driven by the builtin {@code
 * scripted} model and builtin tools, checked on the run, its events and its checkpoints.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LoopLimitsIT extends ExecutionTestSupport {

  @Test
  void argumentsThatBreakTheInputSchemaOrAreEmptyGoBackToTheModelAndTheRunContinues() {
    String tenant = newTenant();
    registry.activeTool(tenant, "calc", ToolSpecs.calculator());
    registry.activeAgent(
        tenant,
        "sloppy",
        aScriptedAgent()
            .tools("calc")
            .calls("calc", "{'expression':42}")
            .calls("calc", "{}")
            .calls("calc", "{'expression':'6*7'}")
            .answers("'The calculator said {{last}}'")
            .build());
    String token = operator(tenant);

    JsonNode ended = awaitEnd(token, start(token, "{\"agent\":\"sloppy\",\"input\":\"go\"}"));

    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
    assertThat(ended.path("steps").asInt()).as("4 model calls and 3 tool calls").isEqualTo(7);
    assertThat(ended.has("error")).isFalse();
    List<SseEvent> events = events(token, ended);
    List<SseEvent> failures = named(events, "tool.failed");
    assertThat(failures)
        .extracting(failure -> failure.data().path("errorCode").asText())
        .containsExactly("invalid_arguments", "invalid_arguments");
    assertThat(failures)
        .extracting(failure -> failure.data().path("step").asInt())
        .containsExactly(2, 4);
    assertThat(failures.get(0).data().path("message").asText()).contains("/expression");
    assertThat(failures.get(1).data().path("message").asText()).contains("expression");
    assertThat(named(events, "tool.succeeded")).hasSize(1);
    assertThat(events.getLast().name()).isEqualTo("run.succeeded");

    // The model got each failure as the call's result, under the call's id.
    List<JsonNode> toolResults = toolResults(token, ended);
    assertThat(toolResults)
        .extracting(result -> result.path("toolCallId").asText())
        .containsExactly("call_1_0", "call_3_0", "call_5_0");
    assertThat(toolResults.subList(0, 2))
        .allSatisfy(
            result ->
                assertThat(json(result.path("content").asText()).path("error").asText())
                    .isEqualTo("invalid_arguments"));
  }

  @Test
  void anUnknownToolNameAndArgumentsThatAreNotAnObjectGoBackToTheModel() {
    // Promotion refuses a script that names a tool the agent lacks; a draft runs unchecked in
    // debug mode, the one way a scripted model asks for a tool that is not there.
    String tenant = newTenant();
    registry.activeTool(tenant, "echo", ToolSpecs.echo());
    registry.draftAgent(
        tenant,
        "confused",
        aScriptedAgent()
            .tools("echo")
            .calls("ghost", "{'boo':true}")
            .calls("echo", "'not an object'")
            .answers("'recovered'")
            .build());
    String builder = tokens.user(tenant, "builder-" + tenant.substring(2, 10), "builder");

    JsonNode ended =
        awaitEnd(
            builder,
            start(
                builder,
                "{\"agent\":\"confused\",\"version\":1,\"mode\":\"debug\",\"input\":\"go\"}"));

    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
    assertThat(ended.path("output").asText()).isEqualTo("recovered");
    assertThat(ended.path("steps").asInt()).isEqualTo(5);
    List<SseEvent> events = events(builder, ended);
    assertThat(named(events, "tool.started").get(1).data().path("arguments"))
        .as("arguments that are not an object are shown as sent")
        .isEqualTo(json("{\"raw\":\"\\\"not an object\\\"\"}"));
    List<SseEvent> failures = named(events, "tool.failed");
    assertThat(failures)
        .extracting(
            failure -> failure.data().path("toolName").asText(),
            failure -> failure.data().path("errorCode").asText())
        .containsExactly(tuple("ghost", "unknown_tool"), tuple("echo", "invalid_arguments"));
    assertThat(failures.get(0).data().path("message").asText()).contains("ghost", "echo");
    assertThat(failures.get(1).data().path("message").asText()).contains("JSON object");
  }

  @Test
  void aRunThatReachesMaxStepsFailsWithMaxStepsExceeded() {
    String tenant = newTenant();
    registry.activeTool(tenant, "echo", ToolSpecs.echo());
    registry.activeAgent(
        tenant,
        "chatty",
        aScriptedAgent()
            .tools("echo")
            .policy("{'maxSteps':3}")
            .calls("echo", "{'n':1}")
            .calls("echo", "{'n':2}")
            .answers("'never reached'")
            .build());
    String token = operator(tenant);

    JsonNode ended = awaitEnd(token, start(token, "{\"agent\":\"chatty\",\"input\":\"go\"}"));

    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("failed");
    assertThat(ended.path("error").path("code").asText()).isEqualTo("max_steps_exceeded");
    assertThat(ended.path("error").path("message").asText()).contains("3 steps");
    assertThat(ended.path("steps").asInt()).isEqualTo(3);
    assertThat(ended.has("output")).isFalse();
    List<SseEvent> events = events(token, ended);
    assertThat(named(events, "tool.started")).as("the second call is never made").hasSize(1);
    assertThat(events.getLast().name()).isEqualTo("run.failed");
    assertThat(events.getLast().data().path("errorCode").asText()).isEqualTo("max_steps_exceeded");
    assertThat(events.getLast().data().path("retryable").asBoolean()).isFalse();
  }

  @Test
  void aRunOverItsTokenBudgetFailsWithBudgetExceededBeforeItsNextStep() {
    String tenant = newTenant();
    registry.activeTool(tenant, "echo", ToolSpecs.echo());
    registry.activeAgent(
        tenant,
        "costly",
        aScriptedAgent()
            .tools("echo")
            .policy("{'tokenBudget':10}")
            .calls("echo", "{'text':'{{input}}'}")
            .answers("'never reached'")
            .build());
    String token = operator(tenant);
    String longInput = "a question of two hundred characters ".repeat(6);

    JsonNode ended =
        awaitEnd(
            token, start(token, "{\"agent\":\"costly\",\"input\":\"" + longInput.strip() + "\"}"));

    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("failed");
    assertThat(ended.path("error").path("code").asText()).isEqualTo("budget_exceeded");
    assertThat(ended.path("error").path("message").asText()).contains("budget of 10");
    assertThat(ended.path("steps").asInt()).isEqualTo(1);
    assertThat(ended.path("usage").path("totalTokens").asLong()).isGreaterThan(10);
    List<SseEvent> events = events(token, ended);
    assertThat(named(events, "tool.started")).isEmpty();
    assertThat(events.getLast().name()).isEqualTo("run.failed");
    assertThat(events.getLast().data().path("errorCode").asText()).isEqualTo("budget_exceeded");
  }

  @Test
  void aToolCallLongerThanTheRunsTimeoutEndsTheRunTimedOut() {
    String tenant = newTenant();
    registry.activeTool(tenant, "sleep", ToolSpecs.sleep());
    registry.activeAgent(
        tenant,
        "sleepy",
        aScriptedAgent()
            .tools("sleep")
            // Time for the claim, a model step and the call's start on a loaded machine: the
            // deadline must come during the sleep.
            .policy("{'timeoutSeconds':3}")
            .calls("sleep", "{'milliseconds':10000}")
            .answers("'never reached'")
            .build());
    String token = operator(tenant);

    JsonNode ended = awaitEnd(token, start(token, "{\"agent\":\"sleepy\",\"input\":\"go\"}"));

    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("timed_out");
    assertThat(ended.path("error").path("code").asText()).isEqualTo("timeout");
    Duration took =
        Duration.between(
            Instant.parse(ended.path("startedAt").asText()),
            Instant.parse(ended.path("finishedAt").asText()));
    assertThat(took)
        .as("ended by the deadline, not by the sleep")
        .isLessThan(Duration.ofSeconds(8));
    List<SseEvent> events = events(token, ended);
    assertThat(named(events, "tool.started")).hasSize(1);
    assertThat(named(events, "tool.succeeded")).isEmpty();
    assertThat(events.getLast().name()).isEqualTo("run.timed_out");
    assertThat(events.getLast().data().path("errorCode").asText()).isEqualTo("timeout");
  }

  @Test
  void anAnswerThatBreaksTheOutputSchemaTwiceFailsWithOutputInvalidAndItsPointers() {
    String tenant = newTenant();
    registry.activeAgent(
        tenant,
        "stubborn",
        aScriptedAgent()
            .outputSchema(CELSIUS)
            .answers("{'celsius':'warm'}")
            .answers("{'celsius':'hot'}")
            .build());
    String token = operator(tenant);

    JsonNode ended = awaitEnd(token, start(token, "{\"agent\":\"stubborn\",\"input\":\"go\"}"));

    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("failed");
    assertThat(ended.path("error").path("code").asText()).isEqualTo("output_invalid");
    assertThat(ended.path("error").path("message").asText()).contains("/celsius");
    assertThat(ended.path("steps").asInt()).as("the answer and one repair round").isEqualTo(2);
    List<SseEvent> events = events(token, ended);
    assertThat(named(events, "model.completed")).hasSize(2);
    assertThat(events.getLast().data().path("errorCode").asText()).isEqualTo("output_invalid");
    assertThat(repairRequests(token, ended))
        .singleElement()
        .asString()
        .contains("output schema", "/celsius");
  }

  @Test
  void anAnswerRepairedAfterTheViolationsWereSentBackSucceeds() {
    String tenant = newTenant();
    registry.activeAgent(
        tenant,
        "learner",
        aScriptedAgent()
            .outputSchema(CELSIUS)
            .answers("{'celsius':'warm'}")
            .answers("{'celsius':21}")
            .build());
    String token = operator(tenant);

    JsonNode ended = awaitEnd(token, start(token, "{\"agent\":\"learner\",\"input\":\"go\"}"));

    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
    assertThat(ended.path("output")).isEqualTo(json("{\"celsius\":21}"));
    assertThat(ended.path("steps").asInt()).isEqualTo(2);
    assertThat(repairRequests(token, ended)).singleElement().asString().contains("/celsius");
    assertThat(events(token, ended).getLast().data().path("output"))
        .isEqualTo(json("{\"celsius\":21}"));
  }

  private static final String CELSIUS =
      "{'type':'object','properties':{'celsius':{'type':'number'}},'required':['celsius']}";

  /** The conversation as the run's last checkpoint holds it. */
  private List<JsonNode> messages(String token, JsonNode run) {
    JsonNode checkpoints = get(token, "/v1/runs/" + run.path("id").asText() + "/checkpoints");
    List<JsonNode> messages = new ArrayList<>();
    checkpoints.get(checkpoints.size() - 1).path("state").path("messages").forEach(messages::add);
    return messages;
  }

  private List<JsonNode> toolResults(String token, JsonNode run) {
    return messages(token, run).stream()
        .filter(message -> message.path("role").asText().equals("TOOL"))
        .toList();
  }

  /** What the loop told the model about an answer that broke the output schema. */
  private List<String> repairRequests(String token, JsonNode run) {
    return messages(token, run).stream()
        .filter(message -> message.path("role").asText().equals("USER"))
        .map(message -> message.path("content").asText())
        .filter(content -> content.contains("output schema"))
        .toList();
  }

  private static JsonNode json(String text) {
    try {
      return ServiceApi.JSON.readTree(text);
    } catch (IOException e) {
      throw new AssertionError("Not JSON: " + text, e);
    }
  }
}
