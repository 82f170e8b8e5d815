package dev.agentplane.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentplane.testkit.ServiceApi;

/**
 * Valid specs to start from, per the formats in the registry README; tests change what they are
 * about with {@code .put(...)}.
 */
public final class Specs {

  private Specs() {}

  /** A low-risk builtin tool that needs no approval. */
  public static ObjectNode aTool() {
    ObjectNode spec = ServiceApi.JSON.createObjectNode();
    spec.put("description", "Echoes its input");
    spec.put("type", "builtin");
    spec.putObject("builtin").put("name", "echo");
    ObjectNode input = spec.putObject("inputSchema");
    input.put("type", "object");
    input.putObject("properties").putObject("text").put("type", "string");
    spec.put("risk", "low");
    spec.put("approval", "never");
    return spec;
  }

  /** A high-risk HTTP tool that always asks for approval. */
  public static ObjectNode aHighRiskHttpTool() {
    ObjectNode spec = aTool();
    spec.remove("builtin");
    spec.put("type", "http");
    spec.put("description", "Refunds an order");
    ObjectNode http = spec.putObject("http");
    http.put("method", "POST");
    http.put("url", "https://payments.example.com/orders/{orderId}/refund");
    ObjectNode input = spec.putObject("inputSchema");
    input.put("type", "object");
    input.putObject("properties").putObject("orderId").put("type", "string");
    input.putArray("required").add("orderId");
    spec.put("risk", "high");
    spec.put("approval", "always");
    return spec;
  }

  /** An assistant on the builtin model using the named tools at their active versions. */
  public static ObjectNode anAssistant(String... toolNames) {
    ObjectNode spec = ServiceApi.JSON.createObjectNode();
    spec.put("description", "Helps with orders");
    spec.put("kind", "assistant");
    spec.putObject("model").put("provider", "builtin").put("name", "echo");
    spec.put("instructions", "Be brief.");
    ArrayNode tools = spec.putArray("tools");
    for (String name : toolNames) {
      tools.addObject().put("name", name).put("version", "active");
    }
    return spec;
  }

  /** {@code {"name": name, "spec": spec}}. */
  public static String createBody(String name, JsonNode spec) {
    return ServiceApi.JSON.createObjectNode().put("name", name).set("spec", spec).toString();
  }

  /** {@code {"spec": spec}}. */
  public static String specBody(JsonNode spec) {
    return ServiceApi.JSON.createObjectNode().set("spec", spec).toString();
  }
}
