package dev.agentplane.execution.tool.agent;

import static dev.agentplane.execution.support.AgentSpecs.answering;
import static dev.agentplane.execution.support.AgentSpecs.sleepingThenAnswering;
import static dev.agentplane.execution.support.AgentSpecs.withInputSchema;
import static dev.agentplane.execution.support.ScriptedAgent.aScriptedAgent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.execution.support.ExecutionTestSupport;
import dev.agentplane.execution.support.ToolSpecs;
import dev.agentplane.testkit.ServiceApi.Reply;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Agent-typed tools: orchestrators running other agents of the tenant as child runs. */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentToolIT extends ExecutionTestSupport {

  private static final String TOPIC_SCHEMA =
      "{'type':'object','properties':{'topic':{'type':'string'}},'required':['topic']}";

  @Override
  protected Map<String, String> settings() {
    return Map.of(
        "agentplane.execution.loop.max-depth",
        "2",
        // One slot: every parent waits for a child, so these runs finish only if waiting
        // parents lend their slot to their children.
        "agentplane.execution.workers.concurrency",
        "1");
  }

  @Test
  void anOrchestratorRunsAnotherAgentAsALinkedChildRunAndUsesItsAnswer() {
    String tenant = newTenant();
    registry.activeAgent(
        tenant, "researcher", withInputSchema(answering("Notes on {{input.topic}}"), TOPIC_SCHEMA));
    agentTool(tenant, "research", "researcher");
    registry.activeAgent(
        tenant,
        "orchestrator",
        orchestrator("research", "{'topic':'{{input.topic}}'}", "Summary: {{tool.research}}"));

    String token = operator(tenant);
    JsonNode parent = start(token, "{\"agent\":\"orchestrator\",\"input\":{\"topic\":\"tides\"}}");
    JsonNode ended = awaitEnd(token, parent);

    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
    assertThat(ended.path("output").asText()).isEqualTo("Summary: Notes on tides");
    JsonNode child = onlyChild(token, parent);
    assertThat(child.path("agent").path("name").asText())
        .as(child.toString())
        .isEqualTo("researcher");
    assertThat(child.path("status").asText()).isEqualTo("succeeded");
    assertThat(child.path("depth").asInt()).isEqualTo(1);
    assertThat(child.path("mode").asText()).isEqualTo("production");
    assertThat(child.path("parentToolCallId").asText()).isNotBlank();
    assertThat(child.path("input").path("topic").asText()).isEqualTo("tides");
    // The child runs as the parent's creator, so the creator can follow it like any run of theirs.
    assertThat(get(token, "/v1/runs/" + child.path("id").asText()).path("id"))
        .isEqualTo(child.path("id"));
  }

  @Test
  void childRunsNestOnlyAsDeepAsConfiguredAndTheRefusalGoesBackToTheModel() {
    String tenant = newTenant();
    // A chain leaf ← level2 ← level1 ← top; with max-depth 2 the run at depth 2 may not go on.
    registry.activeAgent(tenant, "leaf", withInputSchema(answering("leaf"), TOPIC_SCHEMA));
    agentTool(tenant, "ask-leaf", "leaf");
    registry.activeAgent(
        tenant, "level2", orchestrator("ask-leaf", "{'topic':'x'}", "L2({{last}})"));
    agentTool(tenant, "ask-level2", "level2");
    registry.activeAgent(
        tenant, "level1", orchestrator("ask-level2", "{'topic':'x'}", "L1({{last}})"));
    agentTool(tenant, "ask-level1", "level1");
    registry.activeAgent(tenant, "top", orchestrator("ask-level1", "{'topic':'x'}", "T({{last}})"));

    String token = operator(tenant);
    JsonNode top = start(token, "{\"agent\":\"top\",\"input\":{\"topic\":\"x\"}}");
    JsonNode ended = awaitEnd(token, top);

    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
    assertThat(ended.path("output").asText())
        .startsWith("T(L1(L2(")
        .contains("agent_depth_exceeded");
    JsonNode level1 = onlyChild(token, top);
    JsonNode level2 = onlyChild(token, level1);
    assertThat(level2.path("depth").asInt()).isEqualTo(2);
    assertThat(get(token, "/v1/runs?parent=" + level2.path("id").asText()).path("items")).isEmpty();
  }

  @Test
  void cancellingTheParentCancelsItsChildRun() {
    String tenant = newTenant();
    registry.activeTool(tenant, "sleep", ToolSpecs.sleep());
    registry.activeAgent(
        tenant, "slowpoke", withInputSchema(sleepingThenAnswering(20_000, "done"), TOPIC_SCHEMA));
    agentTool(tenant, "ask-slowpoke", "slowpoke");
    registry.activeAgent(
        tenant, "impatient", orchestrator("ask-slowpoke", "{'topic':'x'}", "{{last}}"));

    String token = operator(tenant);
    JsonNode parent = start(token, "{\"agent\":\"impatient\",\"input\":{\"topic\":\"x\"}}");
    JsonNode child =
        await("the child run to be sleeping")
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> children(token, parent),
                found ->
                    found.size() == 1 && "running".equals(found.getFirst().path("status").asText()))
            .getFirst();

    Reply cancel =
        api()
            .post(
                "/v1/runs/" + parent.path("id").asText() + "/cancel",
                token,
                "{\"reason\":\"enough\"}");
    assertThat(cancel.status()).as(cancel.raw()).isEqualTo(202);

    assertThat(awaitEnd(token, parent).path("status").asText()).isEqualTo("cancelled");
    JsonNode childEnded = awaitEnd(token, child);
    assertThat(childEnded.path("status").asText()).isEqualTo("cancelled");
    assertThat(childEnded.path("error").toString()).contains(parent.path("id").asText());
  }

  @Test
  void aChildRunRefusingItsInputIsAToolErrorTheModelSees() {
    String tenant = newTenant();
    registry.activeAgent(
        tenant, "strict", withInputSchema(answering("never reached"), TOPIC_SCHEMA));
    agentTool(tenant, "ask-strict", "strict");
    // The tool's own schema lets anything through; the child agent's inputSchema does not.
    registry.activeAgent(
        tenant, "sloppy", orchestrator("ask-strict", "{'subject':'x'}", "{{last}}"));

    String token = operator(tenant);
    JsonNode parent = start(token, "{\"agent\":\"sloppy\",\"input\":{\"topic\":\"x\"}}");
    JsonNode ended = awaitEnd(token, parent);

    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
    assertThat(ended.path("output").asText()).contains("invalid_arguments").contains("topic");
    assertThat(children(token, parent)).isEmpty();
  }

  private void agentTool(String tenant, String name, String agent) {
    registry.activeTool(tenant, name, ToolSpecs.agent(agent));
  }

  /** An orchestrator that calls {@code tool} once with {@code arguments}, then answers. */
  private static JsonNode orchestrator(String tool, String arguments, String answer) {
    return withInputSchema(
        (ObjectNode)
            aScriptedAgent()
                .kind("orchestrator")
                .tools(tool)
                .calls(tool, arguments)
                .answers("'" + answer + "'")
                .build(),
        TOPIC_SCHEMA);
  }

  private List<JsonNode> children(String token, JsonNode parent) {
    List<JsonNode> found = new ArrayList<>();
    get(token, "/v1/runs?parent=" + parent.path("id").asText()).path("items").forEach(found::add);
    return found;
  }

  private JsonNode onlyChild(String token, JsonNode parent) {
    List<JsonNode> found = children(token, parent);
    assertThat(found).as("children of " + parent.path("id").asText()).hasSize(1);
    return found.getFirst();
  }
}
