package dev.agentplane.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class LoadDriverTest {

  @Test
  void drivesARealServerAndCountsWhatItMeasured() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext(
        "/",
        exchange -> {
          boolean chunked = exchange.getRequestURI().getPath().contains("chunked");
          byte[] body = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(
              exchange.getRequestHeaders().containsKey("Authorization") ? 200 : 401,
              chunked ? 0 : body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    try {
      for (String path : new String[] {"/plain", "/chunked"}) {
        LoadDriver.Result result =
            new LoadDriver()
                .run(
                    new LoadDriver.Options(
                        URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path),
                        "token",
                        4,
                        Duration.ZERO,
                        Duration.ofSeconds(1),
                        0,
                        "test"));

        assertThat(result.errors()).as(path).isZero();
        assertThat(result.latencies().getTotalCount()).as(path).isPositive();
        assertThat(result.statuses()).as(path).containsOnlyKeys(200);
        assertThat(result.report()).contains("RESULT test rps=");
      }
    } finally {
      server.stop(0);
    }
  }

  @Test
  void anOpenLoopSendsAtTheRateAskedForAndCountsLatencyFromWhenEachRequestWasDue()
      throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext(
        "/",
        exchange -> {
          byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    try {
      LoadDriver.Result result =
          new LoadDriver()
              .run(
                  new LoadDriver.Options(
                      URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"),
                      null,
                      4,
                      Duration.ZERO,
                      Duration.ofSeconds(2),
                      200,
                      "paced"));

      assertThat(result.errors()).isZero();
      // 200 requests a second for 2 s, give or take the edges of the window.
      assertThat(result.latencies().getTotalCount()).isBetween(360L, 440L);
      assertThat(result.requestsPerSecond()).isBetween(180.0, 220.0);
      assertThat(result.report()).contains("open loop at 200 req/s");
    } finally {
      server.stop(0);
    }
  }
}
