package dev.agentplane.execution.support;

import static dev.agentplane.testkit.SpecJson.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Specs of low-risk tools that need no approval, as a builder registers them, and the same with an
 * approval rule ({@link #gated}).
 */
public final class ToolSpecs {

  private ToolSpecs() {}

  /** {@code sleep}: {@code {milliseconds}} required. */
  public static JsonNode sleep() {
    return builtin(
        "sleep",
        "{'type':'object','properties':{'milliseconds':{'type':'integer','minimum':0}},"
            + "'required':['milliseconds']}");
  }

  /** {@code calculator}: {@code {expression}} required, a string. */
  public static JsonNode calculator() {
    return builtin(
        "calculator",
        "{'type':'object','properties':{'expression':{'type':'string','minLength':1}},"
            + "'required':['expression'],'additionalProperties':false}");
  }

  /** {@code echo}: any object. */
  public static JsonNode echo() {
    return builtin("echo", "{'type':'object'}");
  }

  /** An HTTP {@code GET} of {@code url} that takes any object as arguments. */
  public static JsonNode httpGet(String url, int timeoutMs) {
    return json(
        "{'description':'A test HTTP tool','type':'http','http':{'method':'GET','url':'"
            + url
            + "','timeoutMs':"
            + timeoutMs
            + "},'inputSchema':{'type':'object'},'risk':'low','approval':'never'}");
  }

  /**
   * A payment API's {@code POST url} with {@code {"amount": <amount>, "to": "<to>"}} as its body
   * ({@code url} may use {@code {to}} too): a call that pays twice if it is made twice, unless the
   * API deduplicates it by its {@code Idempotency-Key}, which {@code idempotent} declares.
   */
  public static JsonNode payment(String url, boolean idempotent) {
    ObjectNode spec =
        (ObjectNode)
            json(
                "{'description':'Pays an amount to a payee','type':'http','inputSchema':"
                    + "{'type':'object','properties':{'amount':{'type':'number'},"
                    + "'to':{'type':'string'}},'required':['amount','to']},"
                    + "'risk':'low','approval':'never'}");
    spec.putObject("http")
        .put("method", "POST")
        .put("url", url)
        .put("body", "{\"amount\": {amount}, \"to\": \"{to}\"}")
        .put("timeoutMs", 30000)
        .put("idempotent", idempotent);
    return spec;
  }

  /** An agent-typed tool running the agent {@code agent}, taking any object. */
  public static JsonNode agent(String agent) {
    return json(
        "{'description':'Asks the agent "
            + agent
            + "','type':'agent','agent':{'name':'"
            + agent
            + "'},'inputSchema':{'type':'object'},'risk':'low','approval':'never'}");
  }

  /**
   * {@code spec} with its approval rule replaced: {@code "'always'"}, or a JSON Schema the
   * arguments must match for a call to wait for a human.
   */
  public static JsonNode gated(JsonNode spec, String approvalRule) {
    ObjectNode gated = spec.deepCopy();
    gated.set("approval", json(approvalRule));
    return gated;
  }

  /** {@code spec} as a high-risk tool, which always waits for a human whatever its rule says. */
  public static JsonNode highRisk(JsonNode spec) {
    ObjectNode risky = gated(spec, "'always'").deepCopy();
    risky.put("risk", "high");
    return risky;
  }

  private static JsonNode builtin(String name, String inputSchema) {
    return json(
        "{'description':'The builtin "
            + name
            + " tool','type':'builtin','builtin':{'name':'"
            + name
            + "'},'inputSchema':"
            + inputSchema
            + ",'risk':'low','approval':'never'}");
  }
}
