package dev.agentplane.registry.validation;

import static dev.agentplane.registry.validation.AgentSpecBuilder.anAgent;
import static dev.agentplane.registry.validation.InMemoryRegistry.TENANT;
import static dev.agentplane.registry.validation.InMemoryRegistry.aRegistry;
import static dev.agentplane.registry.validation.ReportAssert.assertThatReport;
import static dev.agentplane.registry.validation.ToolSpecBuilder.aTool;
import static dev.agentplane.registry.validation.ValidationCode.*;
import static dev.agentplane.registry.version.VersionStatus.ACTIVE;
import static dev.agentplane.registry.version.VersionStatus.DRAFT;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** Chains of agent-typed tools that would lead an orchestrator back to itself. */
class OrchestratorCycleTest {

  private final SpecValidator validator = new SpecValidator();
  private final InMemoryRegistry registry = aRegistry();

  /** Registers the agent {@code name} and an active tool {@code ask-<name>} that calls it. */
  private void anAgentReachableAsATool(String name, JsonNode spec) {
    registry
        .withAgent(name, spec)
        .withActiveTool("ask-" + name, aTool().callingAgent(name).build());
  }

  private ValidationReport validatePlanner(JsonNode spec, ValidationPurpose purpose) {
    return validator.validateAgent(TENANT, "planner", spec, purpose, registry);
  }

  @Test
  void anOrchestratorCallingItselfIsACycle() {
    registry.withActiveTool("ask-planner", aTool().callingAgent("planner").build());
    JsonNode planner = anAgent().orchestrator().usingTool("ask-planner", "active").build();

    assertThatReport(validatePlanner(planner, ValidationPurpose.CHECK))
        .hasOnlyError(AGENT_ORCHESTRATOR_CYCLE, "/tools/0")
        .errorMessageAt("/tools/0", "planner → planner");
  }

  @Test
  void anOrchestratorReachedAgainThroughAnotherAgentIsACycleWithItsPathInTheMessage() {
    registry.withActiveTool("ask-planner", aTool().callingAgent("planner").build());
    anAgentReachableAsATool(
        "researcher", anAgent().orchestrator().usingTool("ask-planner", "active").build());
    JsonNode planner = anAgent().orchestrator().usingTool("ask-researcher", 1).build();

    assertThatReport(validatePlanner(planner, ValidationPurpose.CHECK))
        .hasOnlyError(AGENT_ORCHESTRATOR_CYCLE, "/tools/0")
        .errorMessageAt("/tools/0", "planner → researcher → planner");
  }

  @Test
  void aCycleElsewhereInTheGraphIsNotThisAgentsAndDoesNotHangTheSearch() {
    anAgentReachableAsATool(
        "writer", anAgent().orchestrator().usingTool("ask-researcher", "active").build());
    anAgentReachableAsATool(
        "researcher", anAgent().orchestrator().usingTool("ask-writer", "active").build());
    JsonNode planner = anAgent().orchestrator().usingTool("ask-researcher", "active").build();

    assertThatReport(validatePlanner(planner, ValidationPurpose.PROMOTION))
        .hasNoErrors()
        .hasNoWarnings();
  }

  @Test
  void aPinnedVersionIsFollowedRatherThanTheActiveOne() {
    registry
        .withTool("delegate", 1, ACTIVE, aTool().builtin("echo").build())
        .withTool("delegate", 2, DRAFT, aTool().callingAgent("planner").build());

    assertThatReport(
            validatePlanner(
                anAgent().orchestrator().usingTool("delegate", 1).build(), ValidationPurpose.CHECK))
        .hasNoErrors();
    assertThatReport(
            validatePlanner(
                anAgent().orchestrator().usingTool("delegate", 2).build(), ValidationPurpose.CHECK))
        .hasOnlyError(AGENT_ORCHESTRATOR_CYCLE, "/tools/0");
  }

  @Test
  void aCheckFollowsTheNewestVersionOfAToolWithoutAnActiveOne() {
    registry
        .withTool("delegate", 1, DRAFT, aTool().builtin("echo").build())
        .withTool("delegate", 2, DRAFT, aTool().callingAgent("planner").build());

    ValidationReport report =
        validatePlanner(
            anAgent().orchestrator().usingTool("delegate", "active").build(),
            ValidationPurpose.CHECK);

    assertThatReport(report)
        .hasOnlyError(AGENT_ORCHESTRATOR_CYCLE, "/tools/0")
        .hasWarning(AGENT_TOOL_NO_ACTIVE_VERSION, "/tools/0/version");
  }

  @Test
  void aChainLongerThanTheSearchDepthIsReportedAsAWarning() {
    int length = OrchestratorCycles.MAX_DEPTH + 5;
    for (int i = 0; i < length; i++) {
      AgentSpecBuilder agent = anAgent().orchestrator();
      if (i + 1 < length) {
        agent.usingTool("ask-agent-" + (i + 1), "active");
      }
      anAgentReachableAsATool("agent-" + i, agent.build());
    }
    JsonNode planner = anAgent().orchestrator().usingTool("ask-agent-0", "active").build();

    assertThatReport(validatePlanner(planner, ValidationPurpose.PROMOTION))
        .hasNoErrors()
        .hasWarning(AGENT_ORCHESTRATOR_TOO_DEEP, "/tools/0");
  }
}
