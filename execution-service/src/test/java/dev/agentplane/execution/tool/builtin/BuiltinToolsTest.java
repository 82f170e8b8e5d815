package dev.agentplane.execution.tool.builtin;

import static dev.agentplane.execution.tool.Invocations.invocation;
import static dev.agentplane.execution.tool.Invocations.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.agentplane.execution.tool.ToolFailure;
import dev.agentplane.execution.tool.ToolResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BuiltinToolsTest {

  private static final Instant NOW = Instant.parse("2025-03-01T13:05:09.123456Z");

  private final BuiltinTools tools =
      new BuiltinTools(
          new BuiltinToolSettings(Duration.ofSeconds(30)), Clock.fixed(NOW, ZoneOffset.UTC));

  private ToolResult call(String tool, JsonNode arguments) throws InterruptedException {
    return tools.call(invocation(spec(tool), arguments));
  }

  private ToolFailure failureOf(String tool, JsonNode arguments) {
    return catchThrowableOfType(ToolFailure.class, () -> call(tool, arguments));
  }

  private static JsonNode spec(String tool) {
    return json("{'type': 'builtin', 'builtin': {'name': '" + tool + "'}}");
  }

  private static JsonNode expression(String expression) {
    return JsonNodeFactory.instance.objectNode().put("expression", expression);
  }

  @Test
  void servesTheBuiltinType() {
    assertThat(tools.type()).isEqualTo("builtin");
  }

  @Test
  void aNameNotInTheCatalogIsAnUnknownTool() {
    ToolFailure failure = failureOf("rm_rf", json("{}"));
    assertThat(failure.code()).isEqualTo("unknown_tool");
    assertThat(failure.getMessage()).contains("rm_rf");
  }

  @Test
  void aSpecWithoutBuiltinNameIsAnUnknownTool() {
    assertThat(
            catchThrowableOfType(
                    ToolFailure.class,
                    () -> tools.call(invocation(json("{'type': 'builtin'}"), json("{}"))))
                .code())
        .isEqualTo("unknown_tool");
  }

  @Nested
  class Calculator {

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(
        delimiter = '|',
        value = {
          "1 + 2 * 3            | 7",
          "(1 + 2) * 3          | 9",
          "10 - 4 - 3           | 3",
          "100 / 10 / 5         | 2",
          "2 ^ 3 ^ 2            | 512",
          "-2 ^ 2               | -4",
          "(-2) ^ 2             | 4",
          "2 ^ -1               | 0.5",
          "--3                  | 3",
          "-(4 - 6) * +2        | 4",
          "7 % 3                | 1",
          "-7 % 3               | -1",
          "5.5 % 2              | 1.5",
          "0.1 + 0.2            | 0.3",
          "10 / 4               | 2.5",
          "1 / 3                | 0.3333333333333333",
          "2 * 3.0              | 6",
          ".5 + .5              | 1",
          "1.5e3                | 1500",
          "2E-2                 | 0.02",
          "2 ^ 0.5              | 1.414213562373095",
          "sqrt(16) + abs(-2.5) | 6.5",
          "min(3, 1, 2)         | 1",
          "max(3, -1, 2 * 4)    | 8",
          "2 * pi               | 6.283185307179586",
          "10 ^ 21              | 1E+21",
          "1 / 10 ^ 7           | 1E-7",
          "'  \t7\n'            | 7",
        })
    void evaluates(String expression, String value) throws InterruptedException {
      assertThat(call("calculator", expression(expression))).isEqualTo(ToolResult.of(value));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(
        delimiter = '|',
        value = {
          "1 / 0           | division by zero at position 3",
          "1 % (2 - 2)     | remainder of a division by zero at position 3",
          "1 +             | the expression ends where a number was expected at position 4",
          "2 * (3 + 4      | the expression ends where ')' was expected at position 11",
          "2 3             | unexpected '3' at position 3",
          "1 + $           | unexpected '$' where a number was expected at position 5",
          "2 + foo(1)      | unknown name 'foo' (known: pi, e, sqrt, abs, min, max) at position 5",
          "sqrt(-1)        | the square root of a negative number at position 1",
          "sqrt(1, 2)      | sqrt takes one argument, not 2 at position 1",
          "max 1           | max needs its arguments in parentheses at position 5",
          "(-8) ^ (1 / 3)  | a negative number raised to a fractional power has no real value at"
              + " position 6",
          "0 ^ -1          | zero raised to a negative power at position 3",
          "10 ^ 10001      | the result is out of range (beyond 10^±10000) at position 4",
          "1e99999999999   | the result is out of range (beyond 10^±10000) at position 1",
          ".               | '.' is not a number at position 1",
          "'  '            | the expression is empty at position 1",
        })
    void refusesWithThePosition(String expression, String message) {
      ToolFailure failure = failureOf("calculator", expression(expression));
      assertThat(failure.code()).isEqualTo("invalid_expression");
      assertThat(failure.getMessage()).isEqualTo(message);
    }

    @Test
    void refusesAnExpressionOverTheLengthCap() {
      ToolFailure failure = failureOf("calculator", expression("1+".repeat(500) + "1"));
      assertThat(failure.code()).isEqualTo("invalid_expression");
      assertThat(failure.getMessage())
          .isEqualTo(
              "the expression is 1001 characters long; at most 1000 are accepted at position"
                  + " 1001");
    }

    @Test
    void refusesNestingDeeperThanItsBound() {
      ToolFailure failure =
          failureOf("calculator", expression("(".repeat(300) + "1" + ")".repeat(300)));
      assertThat(failure.code()).isEqualTo("invalid_expression");
      assertThat(failure.getMessage()).startsWith("the expression nests deeper than 200 levels");
    }

    @Test
    void aMissingOrNonTextExpressionIsAnInvalidArgument() {
      assertThat(failureOf("calculator", json("{}")).code()).isEqualTo("invalid_arguments");
      assertThat(failureOf("calculator", json("{'expression': 42}")).code())
          .isEqualTo("invalid_arguments");
    }
  }

  @Nested
  class JsonExtract {

    @Test
    void selectsFromAJsonValue() throws InterruptedException {
      JsonNode arguments =
          json(
              "{'json': {'order': {'items': [{'sku': 'a', 'qty': 2}]}}, 'path': '$.order.items[0]'}");
      assertThat(call("json_extract", arguments))
          .isEqualTo(ToolResult.of("{\"sku\":\"a\",\"qty\":2}"));
    }

    @Test
    void selectsFromAStringHoldingJson() throws InterruptedException {
      JsonNode arguments =
          JsonNodeFactory.instance
              .objectNode()
              .put("json", "{\"items\": [{\"name\": \"x\"}, {\"name\": \"y\"}]}")
              .put("path", "$.items[*].name");
      assertThat(call("json_extract", arguments)).isEqualTo(ToolResult.of("[\"x\",\"y\"]"));
    }

    @Test
    void answersScalarsAsJson() throws InterruptedException {
      assertThat(call("json_extract", json("{'json': {'a': 'text'}, 'path': '$.a'}")))
          .isEqualTo(ToolResult.of("\"text\""));
      assertThat(call("json_extract", json("{'json': {'a': 1.5}, 'path': '$.a'}")))
          .isEqualTo(ToolResult.of("1.5"));
      assertThat(call("json_extract", json("{'json': {'a': null}, 'path': '$.a'}")))
          .isEqualTo(ToolResult.of("null"));
    }

    @Test
    void filtersAnswerWithAnArrayEvenWhenNothingMatches() throws InterruptedException {
      JsonNode arguments =
          json(
              "{'json': {'items': [{'price': 5}, {'price': 50}]}, 'path': '$.items[?(@.price > 10)]'}");
      assertThat(call("json_extract", arguments)).isEqualTo(ToolResult.of("[{\"price\":50}]"));
      JsonNode none =
          json("{'json': {'items': [{'price': 5}]}, 'path': '$.items[?(@.price > 10)]'}");
      assertThat(call("json_extract", none)).isEqualTo(ToolResult.of("[]"));
    }

    @Test
    void aMalformedPathIsAnInvalidArgument() {
      ToolFailure failure = failureOf("json_extract", json("{'json': {}, 'path': '$.a[?('}"));
      assertThat(failure.code()).isEqualTo("invalid_arguments");
      assertThat(failure.getMessage()).contains("is not a JSONPath");
    }

    @Test
    void aDefinitePathThatSelectsNothingIsAnInvalidArgument() {
      ToolFailure failure = failureOf("json_extract", json("{'json': {'a': 1}, 'path': '$.b.c'}"));
      assertThat(failure.code()).isEqualTo("invalid_arguments");
      assertThat(failure.getMessage()).contains("selects nothing");
    }

    @Test
    void aStringThatIsNotJsonIsAnInvalidArgument() {
      ToolFailure failure = failureOf("json_extract", json("{'json': '{not json', 'path': '$.a'}"));
      assertThat(failure.code()).isEqualTo("invalid_arguments");
      assertThat(failure.getMessage()).contains("not JSON text");
    }
  }

  @Nested
  class CurrentTime {

    @Test
    void answersUtcByDefault() throws InterruptedException {
      assertThat(call("current_time", json("{}")))
          .isEqualTo(ToolResult.of("2025-03-01T13:05:09.123Z"));
    }

    @Test
    void answersInTheAskedZone() throws InterruptedException {
      assertThat(call("current_time", json("{'timezone': 'Europe/Paris'}")))
          .isEqualTo(ToolResult.of("2025-03-01T14:05:09.123+01:00"));
      assertThat(call("current_time", json("{'timezone': '-03:30'}")))
          .isEqualTo(ToolResult.of("2025-03-01T09:35:09.123-03:30"));
    }

    @Test
    void anUnknownZoneIsAnInvalidArgument() {
      ToolFailure failure = failureOf("current_time", json("{'timezone': 'Mars/Olympus_Mons'}"));
      assertThat(failure.code()).isEqualTo("invalid_arguments");
      assertThat(failure.getMessage()).contains("Mars/Olympus_Mons");
    }
  }

  @Nested
  class Echo {

    @Test
    void answersWithTheArgumentsAsJson() throws InterruptedException {
      assertThat(call("echo", json("{'text': 'hi', 'n': [1, true, null]}")))
          .isEqualTo(ToolResult.of("{\"text\":\"hi\",\"n\":[1,true,null]}"));
    }
  }

  @Nested
  class Sleep {

    @Test
    void waitsAndSaysHowLong() throws InterruptedException {
      long started = System.nanoTime();
      assertThat(call("sleep", json("{'milliseconds': 20}")))
          .isEqualTo(ToolResult.of("{\"slept\":20}"));
      assertThat(Duration.ofNanos(System.nanoTime() - started))
          .isGreaterThanOrEqualTo(Duration.ofMillis(20));
    }

    @Test
    void acceptsAWholeNumberWrittenWithADecimalPoint() throws InterruptedException {
      assertThat(call("sleep", json("{'milliseconds': 1.0}")))
          .isEqualTo(ToolResult.of("{\"slept\":1}"));
    }

    @Test
    void refusesToWaitLongerThanTheMaximum() {
      ToolFailure failure = failureOf("sleep", json("{'milliseconds': 30001}"));
      assertThat(failure.code()).isEqualTo("invalid_arguments");
      assertThat(failure.getMessage()).contains("at most 30000");
    }

    @Test
    void refusesANegativeOrFractionalWait() {
      assertThat(failureOf("sleep", json("{'milliseconds': -1}")).code())
          .isEqualTo("invalid_arguments");
      assertThat(failureOf("sleep", json("{'milliseconds': 1.5}")).code())
          .isEqualTo("invalid_arguments");
    }

    @Test
    void aWaitOutlastingTheCallsTimeoutEndsAtTheTimeout() {
      ToolFailure failure =
          catchThrowableOfType(
              ToolFailure.class,
              () ->
                  tools.call(
                      invocation(
                          spec("sleep"), json("{'milliseconds': 20000}"), Duration.ofMillis(30))));
      assertThat(failure.code()).isEqualTo("tool_timeout");
    }

    @Test
    void anInterruptEndsTheWaitPromptly() throws InterruptedException {
      CountDownLatch calling = new CountDownLatch(1);
      CountDownLatch ended = new CountDownLatch(1);
      AtomicReference<Throwable> outcome = new AtomicReference<>();
      Thread sleeper =
          Thread.ofVirtual()
              .start(
                  () -> {
                    calling.countDown();
                    try {
                      call("sleep", json("{'milliseconds': 30000}"));
                    } catch (Throwable t) {
                      outcome.set(t);
                    } finally {
                      ended.countDown();
                    }
                  });
      calling.await();
      long interruptedAt = System.nanoTime();
      sleeper.interrupt();

      assertThat(ended.await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - interruptedAt))
          .isLessThan(Duration.ofSeconds(2));
      assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
    }
  }
}
