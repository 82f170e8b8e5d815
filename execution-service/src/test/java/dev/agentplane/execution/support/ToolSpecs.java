package dev.agentplane.execution.support;

import static dev.agentplane.execution.support.SpecJson.json;

import com.fasterxml.jackson.databind.JsonNode;

/** Specs of low-risk tools that need no approval, as a builder registers them. */
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

  /** An agent-typed tool running the agent {@code agent}, taking any object. */
  public static JsonNode agent(String agent) {
    return json(
        "{'description':'Asks the agent "
            + agent
            + "','type':'agent','agent':{'name':'"
            + agent
            + "'},'inputSchema':{'type':'object'},'risk':'low','approval':'never'}");
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
