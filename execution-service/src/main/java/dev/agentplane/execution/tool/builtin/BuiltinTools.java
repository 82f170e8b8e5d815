package dev.agentplane.execution.tool.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.execution.tool.ToolExecutor;
import dev.agentplane.execution.tool.ToolFailure;
import dev.agentplane.execution.tool.ToolInvocation;
import dev.agentplane.execution.tool.ToolResult;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The builtin catalog ({@code type: builtin}, {@code builtin: {name}}): {@code calculator}, {@code
 * json_extract}, {@code current_time}, {@code echo} and {@code sleep}, which run in process and
 * call nothing outside it.
 */
@Singleton
public class BuiltinTools implements ToolExecutor {

  private final Map<String, BuiltinTool> byName;

  @Inject
  public BuiltinTools(BuiltinToolSettings settings) {
    this(settings, Clock.systemUTC());
  }

  public BuiltinTools(BuiltinToolSettings settings, Clock clock) {
    this.byName =
        List.of(
                new CalculatorTool(),
                new JsonExtractTool(),
                new CurrentTimeTool(clock),
                new EchoTool(),
                new SleepTool(settings.sleepMaximum()))
            .stream()
            .collect(Collectors.toUnmodifiableMap(BuiltinTool::name, Function.identity()));
  }

  @Override
  public String type() {
    return "builtin";
  }

  /**
   * @throws ToolFailure {@code unknown_tool} when the spec names no builtin tool, or one the
   *     catalog does not have; otherwise as the tool says
   */
  @Override
  public ToolResult call(ToolInvocation invocation) throws InterruptedException {
    JsonNode name = invocation.spec().path("builtin").path("name");
    if (!name.isTextual()) {
      throw new ToolFailure("unknown_tool", "The builtin tool spec names no tool");
    }
    BuiltinTool tool = byName.get(name.textValue());
    if (tool == null) {
      throw new ToolFailure("unknown_tool", "There is no builtin tool '" + name.textValue() + "'");
    }
    return tool.call(invocation);
  }
}
