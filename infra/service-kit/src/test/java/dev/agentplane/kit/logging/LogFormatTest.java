package dev.agentplane.kit.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** The kit's logback.xml: readable text by default, one JSON object per line on request. */
class LogFormatTest {

  private final PrintStream originalOut = System.out;

  @AfterEach
  void restore() throws Exception {
    System.setOut(originalOut);
    System.clearProperty("AGENTPLANE_LOG_FORMAT");
    MDC.clear();
    configure();
  }

  @Test
  void jsonFormatWritesOneJsonObjectPerLineWithTheCorrelationContext() throws Exception {
    System.setProperty("AGENTPLANE_LOG_FORMAT", "json");

    String line = logOneLine();

    JsonNode json = new ObjectMapper().readTree(line);
    assertThat(json.get("level").asText()).isEqualTo("INFO");
    assertThat(json.get("message").asText()).isEqualTo("run {} started");
    assertThat(json.get("mdc").get("requestId").asText()).isEqualTo("req-7");
    assertThat(json.get("mdc").get("tenantId").asText()).isEqualTo("acme");
  }

  @Test
  void textFormatIsTheDefaultAndShowsRequestAndTenant() throws Exception {
    String line = logOneLine();

    assertThat(line).doesNotStartWith("{");
    assertThat(line).contains("rid=req-7", "tid=acme", "run r-1 started");
  }

  private String logOneLine() throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    configure();
    MDC.put("requestId", "req-7");
    MDC.put("tenantId", "acme");
    LoggerFactory.getLogger("dev.agentplane.test").info("run {} started", "r-1");
    return captured.toString(StandardCharsets.UTF_8).lines().reduce((a, b) -> b).orElseThrow();
  }

  /**
   * Re-reads logback.xml, as a service does at start-up; the console appender binds to System.out
   * then.
   */
  private static void configure() throws Exception {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(LogFormatTest.class.getResource("/logback.xml"));
  }
}
