package dev.agentplane.bench.runs;

import dev.agentplane.bench.BenchTenant;

/**
 * The smallest real run: the builtin scripted model calls the builtin {@code echo} tool once, then
 * answers. Three steps (model, tool, model), each a checkpoint commit; no network beyond the
 * platform's own.
 */
public final class EchoAgent {

  public static final String NAME = "echo-once";

  /** The run request for this agent. */
  public static final String RUN_REQUEST =
      "{\"agent\":\"" + NAME + "\",\"input\":{\"text\":\"bench\"}}";

  private EchoAgent() {}

  /** Registers the tool and the agent in {@code tenant}, both active; returns the agent's id. */
  public static String register(BenchTenant tenant) {
    tenant.active(
        "tools",
        "echo",
        "{'description':'Echoes its arguments','type':'builtin','builtin':{'name':'echo'},"
            + "'inputSchema':{'type':'object','properties':{'text':{'type':'string'}}},"
            + "'risk':'low','approval':'never'}");
    return tenant.active(
        "agents",
        NAME,
        "{'description':'Calls echo once','kind':'assistant',"
            + "'model':{'provider':'builtin','name':'scripted','params':{'script':["
            + "{'toolCalls':[{'tool':'echo','arguments':{'text':'{{input.text}}'}}]},"
            + "{'answer':'echoed {{last}}'}]}},"
            + "'instructions':'Echo the input once.',"
            + "'tools':[{'name':'echo','version':'active'}],"
            + "'inputSchema':{'type':'object','properties':{'text':{'type':'string'}}}}");
  }
}
