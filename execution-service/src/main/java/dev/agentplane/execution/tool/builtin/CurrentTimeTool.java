package dev.agentplane.execution.tool.builtin;

import dev.agentplane.execution.tool.ToolInvocation;
import dev.agentplane.execution.tool.ToolResult;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * {@code current_time} {@code {timezone?}}: the time now in the zone (UTC by default), ISO-8601
 * with its offset, e.g. {@code 2025-03-01T14:05:09.123+01:00}.
 */
final class CurrentTimeTool implements BuiltinTool {

  private final Clock clock;

  CurrentTimeTool(Clock clock) {
    this.clock = clock;
  }

  @Override
  public String name() {
    return "current_time";
  }

  @Override
  public ToolResult call(ToolInvocation invocation) {
    ToolArguments arguments = ToolArguments.of(invocation.arguments());
    ZoneId zone =
        arguments.optionalText("timezone").map(CurrentTimeTool::zone).orElse(ZoneOffset.UTC);
    ZonedDateTime now = ZonedDateTime.now(clock.withZone(zone)).truncatedTo(ChronoUnit.MILLIS);
    return ToolResult.of(now.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
  }

  // Models often write the abbreviations people use (EST, PST); the JDK maps the common ones.
  private static ZoneId zone(String name) {
    try {
      return ZoneId.of(name, ZoneId.SHORT_IDS);
    } catch (DateTimeException e) {
      throw ToolArguments.invalid(
          "'"
              + name
              + "' is not a time zone; use a region like Europe/Paris or an offset like +02:00");
    }
  }
}
