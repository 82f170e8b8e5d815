package dev.agentplane.execution.loop;

import static dev.agentplane.testkit.SpecJson.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.agentplane.execution.support.ExecutionTestSupport;
import dev.agentplane.testkit.ServiceApi.Reply;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunLoopIT extends ExecutionTestSupport {

  @Inject CheckpointRetention retention;

  private HttpServer weather;
  private final List<String> idempotencyKeys = new CopyOnWriteArrayList<>();
  private final List<String> paths = new CopyOnWriteArrayList<>();

  @BeforeAll
  void startWeatherServer() throws IOException {
    weather = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    weather.createContext(
        "/weather",
        exchange -> {
          idempotencyKeys.add(exchange.getRequestHeaders().getFirst("Idempotency-Key"));
          paths.add(exchange.getRequestURI().getRawPath());
          byte[] body = "{\"forecast\":\"sunny\",\"celsius\":21}".getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    weather.start();
  }

  @AfterAll
  void stopWeatherServer() {
    weather.stop(0);
  }

  @Test
  void aScriptedAgentCallsAnHttpToolAndAnswers() {
    String tenant = newTenant();
    registry.activeTool(
        tenant,
        "weather",
        json(
            "{'description':'Weather by city','type':'http','http':{'method':'GET','url':'http://127.0.0.1:"
                + weather.getAddress().getPort()
                + "/weather/{city}','timeoutMs':5000},'inputSchema':{'type':'object','properties':{'city':{'type':'string'}},'required':['city']},'risk':'low','approval':'never'}"));
    registry.activeAgent(
        tenant,
        "forecaster",
        json(
            "{'description':'Tells the weather','kind':'assistant','model':{'provider':'builtin','name':'scripted','params':{'script':["
                + "{'toolCalls':[{'tool':'weather','arguments':{'city':'{{input.city}}'}}]},"
                + "{'answer':'In {{input.city}}: {{tool.weather}}'}]}},"
                + "'instructions':'Answer about the weather.','tools':[{'name':'weather','version':'active'}]}"));

    String token = operator(tenant);
    JsonNode run = start(token, "{\"agent\":\"forecaster\",\"input\":{\"city\":\"São Paulo\"}}");
    assertThat(run.path("status").asText()).isEqualTo("queued");

    JsonNode ended = awaitEnd(token, run);
    assertThat(ended.path("status").asText()).as(ended.toString()).isEqualTo("succeeded");
    assertThat(ended.path("output").asText())
        .isEqualTo("In São Paulo: {\"forecast\":\"sunny\",\"celsius\":21}");
    assertThat(ended.path("steps").asInt()).isEqualTo(3);
    assertThat(paths).containsExactly("/weather/S%C3%A3o%20Paulo");
    assertThat(idempotencyKeys)
        .singleElement()
        .asString()
        .startsWith(run.path("id").asText() + ":");

    JsonNode checkpoints = get(token, "/v1/runs/" + run.path("id").asText() + "/checkpoints");
    assertThat(checkpoints).hasSize(3);
    List<Integer> parents = new ArrayList<>();
    checkpoints.forEach(checkpoint -> parents.add(checkpoint.path("parentSeq").asInt(0)));
    assertThat(parents).containsExactly(0, 1, 2);

    Reply cancelAfterEnd = api().post("/v1/runs/" + run.path("id").asText() + "/cancel", token, "");
    assertThat(cancelAfterEnd.status()).as(cancelAfterEnd.raw()).isEqualTo(409);
    assertThat(cancelAfterEnd.body().path("type").asText()).endsWith("/run-finished");

    retention.pruneUntilDone(Duration.ZERO, List.of(tenant), true);
    JsonNode kept = get(token, "/v1/runs/" + run.path("id").asText() + "/checkpoints");
    assertThat(kept)
        .singleElement()
        .satisfies(last -> assertThat(last.path("seq").asInt()).isEqualTo(3));
  }
}
