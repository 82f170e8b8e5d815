package dev.agentplane.execution.support;

import static dev.agentplane.testkit.SpecJson.json;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.testkit.ServiceApi;

/**
 * Agent and tool specs for run tests, built on the builtin {@code scripted} model and the builtin
 * tools, so a run's course is known in advance: {@code AgentSpecs.answering("hello")}.
 */
public final class AgentSpecs {

  private AgentSpecs() {}

  /** An agent whose one model turn answers {@code answer}. */
  public static ObjectNode answering(String answer) {
    return (ObjectNode)
        json(
            "{'description':'Answers at once','kind':'assistant','model':{'provider':'builtin',"
                + "'name':'scripted','params':{'script':[{'answer':"
                + quoted(answer)
                + "}]}},'instructions':'Answer.'}");
  }

  /**
   * An agent that first calls the builtin {@code sleep} tool (registered as {@code sleep}, see
   * {@link ToolSpecs#sleep()}) for {@code milliseconds}, then answers {@code answer}: a slow run.
   */
  public static ObjectNode sleepingThenAnswering(long milliseconds, String answer) {
    return (ObjectNode)
        json(
            "{'description':'Answers after a nap','kind':'assistant','model':{'provider':'builtin',"
                + "'name':'scripted','params':{'script':["
                + "{'toolCalls':[{'tool':'sleep','arguments':{'milliseconds':"
                + milliseconds
                + "}}]},{'answer':"
                + quoted(answer)
                + "}]}},'instructions':'Sleep, then answer.',"
                + "'tools':[{'name':'sleep','version':'active'}]}");
  }

  /** {@code spec} with {@code inputSchema} set (given with single quotes). */
  public static ObjectNode withInputSchema(ObjectNode spec, String inputSchema) {
    spec.set("inputSchema", json(inputSchema));
    return spec;
  }

  private static String quoted(String text) {
    // JSON-quoted with double quotes; SpecJson turns single quotes into double ones, so no text
    // with an apostrophe can pass through it either way.
    return ServiceApi.JSON.getNodeFactory().textNode(text).toString().replace('"', '\'');
  }
}
