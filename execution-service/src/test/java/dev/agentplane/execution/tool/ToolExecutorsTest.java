package dev.agentplane.execution.tool;

import static dev.agentplane.execution.tool.Invocations.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Test;

class ToolExecutorsTest {

  private record Named(String type) implements ToolExecutor {
    @Override
    public ToolResult call(ToolInvocation invocation) {
      return ToolResult.of(type);
    }
  }

  private final ToolExecutors executors =
      new ToolExecutors(List.of(new Named("builtin"), new Named("http")));

  @Test
  void picksTheExecutorByTheSpecsType() throws InterruptedException {
    assertThat(executors.forSpec(json("{'type': 'http'}")).type()).isEqualTo("http");
    assertThat(executors.call(Invocations.invocation(json("{'type': 'builtin'}"), json("{}"))))
        .isEqualTo(ToolResult.of("builtin"));
  }

  @Test
  void aTypeNoExecutorServesIsAnUnknownToolType() {
    ToolFailure failure =
        catchThrowableOfType(
            ToolFailure.class, () -> executors.forSpec(json("{'type': 'carrier-pigeon'}")));
    assertThat(failure.code()).isEqualTo("unknown_tool_type");
    assertThat(failure.getMessage()).contains("carrier-pigeon");
  }

  @Test
  void aSpecWithoutTypeIsAnUnknownToolType() {
    assertThat(catchThrowableOfType(ToolFailure.class, () -> executors.forSpec(json("{}"))).code())
        .isEqualTo("unknown_tool_type");
  }

  @Test
  void twoExecutorsForOneTypeAreAMistakeFoundAtStartup() {
    assertThatThrownBy(() -> new ToolExecutors(List.of(new Named("http"), new Named("http"))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'http'");
  }
}
