package dev.agentplane.acceptance;

import static dev.agentplane.testkit.SpecJson.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The paying agent and its payment tool, which the crash and republish suites both run. */
final class PaymentFixtures {

  private PaymentFixtures() {}

  /**
   * {@code POST <paymentsUrl>} on a counting API: high risk, so its promotion is reviewed and every
   * call waits for a human; {@code idempotent} says the API deduplicates by {@code
   * Idempotency-Key}.
   */
  static JsonNode paymentTool(String paymentsUrl, boolean idempotent) {
    ObjectNode spec =
        (ObjectNode)
            json(
                "{'description':'Pays an amount to a payee','type':'http','inputSchema':"
                    + "{'type':'object','properties':{'amount':{'type':'number'},"
                    + "'to':{'type':'string'}},'required':['amount','to']},"
                    + "'risk':'high','approval':'always'}");
    spec.putObject("http")
        .put("method", "POST")
        .put("url", paymentsUrl)
        .put("body", "{\"amount\": {amount}, \"to\": \"{to}\"}")
        .put("timeoutMs", 30000)
        .put("idempotent", idempotent);
    return spec;
  }

  /**
   * An agent on the builtin {@code scripted} model: pays ACME 42 with tool {@code pay}, then
   * answers.
   */
  static JsonNode payingAgent() {
    return json(
        "{'description':'Pays ACME','kind':'assistant','instructions':'Pay.',"
            + "'model':{'provider':'builtin','name':'scripted','params':{'script':["
            + "{'toolCalls':[{'tool':'pay','arguments':{'amount':42,'to':'ACME'}}]},"
            + "{'answer':'paid'}]}},"
            + "'tools':[{'name':'pay','version':'active'}]}");
  }
}
