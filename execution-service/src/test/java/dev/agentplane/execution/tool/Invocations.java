package dev.agentplane.execution.tool;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.UUID;

/** Tool invocations as the loop makes them, for executor tests. */
public final class Invocations {

  public static final String TENANT = "tenant-a";
  public static final UUID RUN_ID = UUID.fromString("00000000-0000-4000-8000-00000000c0de");
  public static final String TOOL_CALL_ID = "call-1";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Invocations() {}

  public static ToolInvocation invocation(JsonNode spec, JsonNode arguments, Duration timeout) {
    return new ToolInvocation(TENANT, RUN_ID, TOOL_CALL_ID, "a-tool", spec, arguments, timeout);
  }

  public static ToolInvocation invocation(JsonNode spec, JsonNode arguments) {
    return invocation(spec, arguments, Duration.ofSeconds(30));
  }

  /** JSON written with single quotes for readability in Java strings. */
  public static JsonNode json(String singleQuoted) {
    try {
      return MAPPER.readTree(singleQuoted.replace('\'', '"'));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
