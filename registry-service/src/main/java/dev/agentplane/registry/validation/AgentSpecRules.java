package dev.agentplane.registry.validation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.registry.validation.RegistryLookup.ToolVersionFacts;
import dev.agentplane.registry.version.VersionStatus;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The rules an agent spec must satisfy beyond its shape: model, tools, policy, cycles. */
final class AgentSpecRules {

  static final Set<String> BUILTIN_MODELS = Set.of("echo", ModelScriptRules.SCRIPTED_MODEL);

  /** Matches the schema's maxItems: a longer list is reported once, not walked entry by entry. */
  static final int MAX_TOOLS = 128;

  private AgentSpecRules() {}

  static void check(String agentName, JsonNode spec, ValidationRun run) {
    boolean orchestrator = SpecFields.text(spec, "kind").filter("orchestrator"::equals).isPresent();
    boolean assistant = SpecFields.text(spec, "kind").filter("assistant"::equals).isPresent();
    SpecFields.object(spec, "model")
        .ifPresent(
            model -> {
              checkModel(model, run);
              ModelScriptRules.check(model, declaredToolNames(spec), run);
            });
    boolean instructionsMissing = !SpecFields.has(spec, "instructions");
    boolean instructionsBlank =
        SpecFields.text(spec, "instructions").filter(String::isBlank).isPresent();
    if (assistant && (instructionsMissing || instructionsBlank)) {
      run.add(
          ValidationCode.AGENT_INSTRUCTIONS_EMPTY,
          SpecPointer.of("instructions"),
          "an assistant needs instructions: they are its system prompt");
    }
    for (String member : new String[] {"inputSchema", "outputSchema"}) {
      SpecFields.object(spec, member)
          .ifPresent(schema -> UserSchemas.check(schema, SpecPointer.of(member), run.findings()));
    }
    Map<String, ToolVersionFacts> resolvedTools = new HashMap<>();
    Map<String, Integer> firstIndexByName = new HashMap<>();
    Optional<JsonNode> tools = SpecFields.array(spec, "tools");
    if (tools.isPresent() && tools.get().size() <= MAX_TOOLS) {
      for (int i = 0; i < tools.get().size(); i++) {
        JsonNode entry = tools.get().get(i);
        Optional<String> name = SpecFields.text(entry, "name");
        if (name.isPresent() && firstIndexByName.containsKey(name.get())) {
          run.add(
              ValidationCode.AGENT_TOOL_DUPLICATE,
              SpecPointer.of("tools", i, "name"),
              "'"
                  + TemplateText.abbreviated(name.get())
                  + "' is already referenced at "
                  + SpecPointer.of("tools", firstIndexByName.get(name.get()))
                  + "; an agent uses one version of a tool");
          continue;
        }
        int index = i;
        name.ifPresent(found -> firstIndexByName.put(found, index));
        checkToolReference(agentName, assistant, i, entry, resolvedTools, run);
      }
    }
    if (orchestrator && tools.map(JsonNode::isEmpty).orElse(!SpecFields.has(spec, "tools"))) {
      run.add(
          ValidationCode.AGENT_ORCHESTRATOR_NO_TOOLS,
          SpecPointer.of("tools"),
          "an orchestrator without tools can only answer by itself; did you mean an assistant?");
    }
    SpecFields.object(spec, "policy")
        .ifPresent(policy -> checkPolicy(policy, firstIndexByName.keySet(), resolvedTools, run));
  }

  /** The names in {@code tools}, however many: a script may call these and no others. */
  private static Set<String> declaredToolNames(JsonNode spec) {
    Set<String> names = new HashSet<>();
    SpecFields.array(spec, "tools")
        .ifPresent(
            tools -> tools.forEach(entry -> SpecFields.text(entry, "name").ifPresent(names::add)));
    return names;
  }

  private static void checkModel(JsonNode model, ValidationRun run) {
    Optional<String> provider = SpecFields.text(model, "provider");
    boolean builtin = provider.filter("builtin"::equals).isPresent();
    boolean openai = provider.filter("openai"::equals).isPresent();
    if (builtin) {
      SpecFields.text(model, "name")
          .filter(name -> !BUILTIN_MODELS.contains(name))
          .ifPresent(
              name ->
                  run.add(
                      ValidationCode.AGENT_MODEL_UNKNOWN_BUILTIN,
                      SpecPointer.of("model", "name"),
                      "'"
                          + TemplateText.abbreviated(name)
                          + "' is not a builtin model; known: "
                          + BUILTIN_MODELS.stream().sorted().toList()));
      if (SpecFields.has(model, "baseUrl")) {
        run.add(
            ValidationCode.AGENT_MODEL_BASE_URL_UNEXPECTED,
            SpecPointer.of("model", "baseUrl"),
            "builtin models run inside the platform; only provider \"openai\" takes a baseUrl");
      }
    }
    if (openai) {
      SpecPointer secretAt = SpecPointer.of("model", "apiKeySecret");
      if (!SpecFields.has(model, "apiKeySecret")) {
        run.add(
            ValidationCode.AGENT_MODEL_API_KEY_SECRET_REQUIRED,
            secretAt,
            "provider \"openai\" needs apiKeySecret, the name of the tenant secret holding the key");
      }
      SpecFields.text(model, "apiKeySecret")
          .ifPresent(secret -> ToolSpecRules.requireSecret(secret, secretAt, run));
      SpecFields.text(model, "baseUrl").ifPresent(url -> checkBaseUrl(url, run));
    }
  }

  private static void checkBaseUrl(String url, ValidationRun run) {
    SpecPointer at = SpecPointer.of("model", "baseUrl");
    switch (UrlReading.ofUrl(url)) {
      case UrlReading.Invalid invalid ->
          run.add(ValidationCode.AGENT_MODEL_BASE_URL_INVALID, at, invalid.reason());
      case UrlReading.HostTemplated templated ->
          run.add(
              ValidationCode.AGENT_MODEL_BASE_URL_INVALID,
              at,
              "the base URL must not contain placeholders");
      case UrlReading.Host host ->
          ToolSpecRules.refuseBlockedHost(
              host.host(), ValidationCode.AGENT_MODEL_HOST_NOT_ALLOWED, at, run);
    }
  }

  private static void checkToolReference(
      String agentName,
      boolean assistant,
      int index,
      JsonNode entry,
      Map<String, ToolVersionFacts> resolvedTools,
      ValidationRun run) {
    Optional<ToolReference> read = ToolReference.read(entry);
    if (read.isEmpty()) {
      return; // the shape check reported the malformed name or version
    }
    ToolReference reference = read.get();
    SpecPointer at = SpecPointer.of("tools", index);
    Optional<Map<Integer, ToolVersionFacts>> versions =
        run.lookup().toolVersions(run.tenantId(), reference.name()).filter(map -> !map.isEmpty());
    if (versions.isEmpty()) {
      run.add(
          ValidationCode.AGENT_TOOL_NOT_FOUND,
          at.child("name"),
          "the tenant has no tool named '" + reference.name() + "'");
      return;
    }
    if (!checkVersion(reference, versions.get(), at.child("version"), run)) {
      return;
    }
    Optional<ToolVersionFacts> resolved = reference.resolve(versions.get(), run.purpose());
    if (resolved.isEmpty()) {
      return;
    }
    resolvedTools.putIfAbsent(reference.name(), resolved.get());
    Optional<String> calledAgent = OrchestratorCycles.calledAgent(resolved.get());
    if (calledAgent.isEmpty()) {
      return;
    }
    if (assistant) {
      run.add(
          ValidationCode.AGENT_TOOL_AGENT_TOOL_REQUIRES_ORCHESTRATOR,
          at,
          "'"
              + reference.name()
              + "' calls the agent '"
              + calledAgent.get()
              + "'; only an orchestrator may call agents");
    }
    switch (OrchestratorCycles.follow(agentName, calledAgent.get(), run)) {
      case OrchestratorCycles.Finding.Cycle cycle ->
          run.add(
              ValidationCode.AGENT_ORCHESTRATOR_CYCLE,
              at,
              "agents would call each other in a loop: "
                  + OrchestratorCycles.describe(cycle.path()));
      case OrchestratorCycles.Finding.TooDeep tooDeep ->
          run.add(
              ValidationCode.AGENT_ORCHESTRATOR_TOO_DEEP,
              at,
              "the chain of agents is longer than "
                  + OrchestratorCycles.MAX_DEPTH
                  + " and was not followed to its end: "
                  + OrchestratorCycles.describe(tooDeep.path()));
      case OrchestratorCycles.Finding.None none -> {}
    }
  }

  /** Reports what is wrong with the referenced version; {@code false} when there is no version. */
  private static boolean checkVersion(
      ToolReference reference,
      Map<Integer, ToolVersionFacts> versions,
      SpecPointer at,
      ValidationRun run) {
    return switch (reference.version()) {
      case ToolReference.Version.Pinned pinned ->
          checkPinnedVersion(reference.name(), pinned.number(), versions, at, run);
      case ToolReference.Version.FollowActive followActive ->
          checkActiveVersionExists(reference.name(), versions, at, run);
    };
  }

  private static boolean checkPinnedVersion(
      String toolName,
      int version,
      Map<Integer, ToolVersionFacts> versions,
      SpecPointer at,
      ValidationRun run) {
    ToolVersionFacts facts = versions.get(version);
    if (facts == null) {
      run.add(
          ValidationCode.AGENT_TOOL_VERSION_NOT_FOUND,
          at,
          "'" + toolName + "' has no version " + version);
      return false;
    }
    if (facts.status() == VersionStatus.ARCHIVED) {
      run.add(
          ValidationCode.AGENT_TOOL_ARCHIVED,
          at,
          "version " + version + " of '" + toolName + "' is archived");
    } else if (run.purpose() == ValidationPurpose.PROMOTION
        && facts.status() != VersionStatus.ACTIVE) {
      run.add(
          ValidationCode.AGENT_TOOL_NOT_ACTIVE,
          at,
          "version "
              + version
              + " of '"
              + toolName
              + "' is "
              + (facts.status() == null ? "of unknown status" : facts.status().wireValue())
              + "; production runs may only use active versions");
    }
    return true;
  }

  private static boolean checkActiveVersionExists(
      String toolName, Map<Integer, ToolVersionFacts> versions, SpecPointer at, ValidationRun run) {
    if (ToolReference.active(versions).isPresent()) {
      return true;
    }
    if (run.purpose() == ValidationPurpose.PROMOTION) {
      run.add(
          ValidationCode.AGENT_TOOL_NOT_ACTIVE,
          at,
          "'" + toolName + "' has no active version for production runs to use");
      return false;
    }
    run.add(
        ValidationCode.AGENT_TOOL_NO_ACTIVE_VERSION,
        at,
        "'"
            + toolName
            + "' has no active version yet; debug runs use its newest, promotion will be refused");
    return true;
  }

  private static void checkPolicy(
      JsonNode policy,
      Set<String> referencedNames,
      Map<String, ToolVersionFacts> resolvedTools,
      ValidationRun run) {
    refuseAboveCeiling(
        policy,
        "maxSteps",
        run.policy().maxSteps(),
        ValidationCode.AGENT_POLICY_MAX_STEPS_EXCEEDED,
        run);
    refuseAboveCeiling(
        policy,
        "timeoutSeconds",
        run.policy().maxTimeoutSeconds(),
        ValidationCode.AGENT_POLICY_TIMEOUT_EXCEEDED,
        run);
    refuseAboveCeiling(
        policy,
        "tokenBudget",
        run.policy().maxTokenBudget(),
        ValidationCode.AGENT_POLICY_TOKEN_BUDGET_EXCEEDED,
        run);
    Optional<JsonNode> overrides = SpecFields.object(policy, "toolApproval");
    if (overrides.isEmpty()) {
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> members = overrides.get().fields();
        members.hasNext(); ) {
      Map.Entry<String, JsonNode> override = members.next();
      String toolName = override.getKey();
      SpecPointer at = SpecPointer.of("policy", "toolApproval", toolName);
      if (!referencedNames.contains(toolName)) {
        run.add(
            ValidationCode.AGENT_POLICY_UNKNOWN_TOOL_OVERRIDE,
            at,
            "'" + TemplateText.abbreviated(toolName) + "' is not one of this agent's tools");
        continue;
      }
      JsonNode approval = override.getValue();
      if (approval.isObject()) {
        UserSchemas.check(approval, at, run.findings());
      }
      ToolVersionFacts tool = resolvedTools.get(toolName);
      if (tool != null
          && approval.isTextual()
          && approval.textValue().equals("never")
          && SpecFields.text(tool.spec(), "risk").filter("high"::equals).isPresent()) {
        run.add(
            ValidationCode.TOOL_HIGH_RISK_WITHOUT_APPROVAL,
            at,
            "'" + toolName + "' is high-risk; an agent may tighten its approval, not waive it");
      }
    }
  }

  private static void refuseAboveCeiling(
      JsonNode policy, String member, long ceiling, ValidationCode code, ValidationRun run) {
    SpecFields.integer(policy, member)
        .filter(value -> value.compareTo(BigInteger.valueOf(ceiling)) > 0)
        .ifPresent(
            value ->
                run.add(
                    code,
                    SpecPointer.of("policy", member),
                    TemplateText.abbreviated(value.toString())
                        + " is above the tenant's ceiling of "
                        + ceiling));
  }
}
