package dev.agentplane.bench.limits;

import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Produces;
import io.micronaut.runtime.Micronaut;
import java.util.Map;

/**
 * The least a Micronaut/Netty server can do per request, started as a child process like the
 * services: what HTTP alone costs on this machine, the ceiling any service's request rate sits
 * under.
 */
@Controller
public class HelloWorldServer {

  public static void main(String[] args) {
    Micronaut.build(args)
        .mainClass(HelloWorldServer.class)
        .properties(
            Map.of(
                "micronaut.server.port",
                System.getenv().getOrDefault("AGENTPLANE_HTTP_PORT", "8099"),
                "micronaut.application.name",
                "hello-world"))
        .start();
  }

  /** A constant JSON body, as the services answer JSON (and the load driver accepts only it). */
  @Get("/hello")
  @Produces(MediaType.APPLICATION_JSON)
  public String hello() {
    return "{\"hello\":\"world\"}";
  }

  /** What the testkit's process launcher waits for. */
  @Get("/health")
  @Produces(MediaType.TEXT_PLAIN)
  public String health() {
    return "ok";
  }
}
