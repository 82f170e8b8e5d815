package dev.agentplane.execution.tool.builtin;

import dev.agentplane.execution.tool.ToolInvocation;
import dev.agentplane.execution.tool.ToolResult;

/** {@code calculator} {@code {expression}}: the value of an arithmetic expression, as a number. */
final class CalculatorTool implements BuiltinTool {

  @Override
  public String name() {
    return "calculator";
  }

  @Override
  public ToolResult call(ToolInvocation invocation) {
    String expression = ToolArguments.of(invocation.arguments()).text("expression");
    return ToolResult.of(ArithmeticExpression.format(ArithmeticExpression.evaluate(expression)));
  }
}
