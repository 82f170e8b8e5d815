package dev.agentplane.bench.approvals;

import dev.agentplane.bench.BenchStack;
import dev.agentplane.bench.BenchTenant;

/**
 * A run that needs a human: the builtin scripted model calls a high-risk HTTP tool whose every call
 * waits for approval, then answers. The tool is the stack's loopback tool server, which notes when
 * each call arrives. One automated step, one human task, end: the shape compared with Flowable.
 */
public final class GatedAgent {

  public static final String NAME = "pay-once";

  /** The tool server path the tool posts to. */
  public static final String TOOL_PATH = "/payouts";

  /** The run request for this agent. */
  public static final String RUN_REQUEST =
      "{\"agent\":\"" + NAME + "\",\"input\":{\"customer\":\"c-1\"}}";

  private GatedAgent() {}

  /** Registers the tool and the agent in {@code tenant} (the tool's activation is reviewed). */
  public static String register(BenchTenant tenant, BenchStack stack) {
    String tool =
        "{'description':'Pays a customer','type':'http','http':{'method':'POST','url':'"
            + stack.toolServer().url(TOOL_PATH)
            + "','timeoutMs':10000,'idempotent':true,'body':'{\\'amount\\': {amount}}'},"
            + "'inputSchema':{'type':'object','properties':{'amount':{'type':'number'}},"
            + "'required':['amount']},'risk':'high','approval':'always'}";
    tenant.active("tools", "payout", tool);
    return tenant.active(
        "agents",
        NAME,
        "{'description':'Pays once, with approval','kind':'assistant',"
            + "'model':{'provider':'builtin','name':'scripted','params':{'script':["
            + "{'toolCalls':[{'tool':'payout','arguments':{'amount':5}}]},"
            + "{'answer':'paid {{input.customer}}'}]}},"
            + "'instructions':'Pay the customer 5.',"
            + "'tools':[{'name':'payout','version':'active'}],"
            + "'inputSchema':{'type':'object','properties':{'customer':{'type':'string'}}}}");
  }
}
