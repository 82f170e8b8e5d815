package dev.agentplane.testkit;

import io.micronaut.test.support.TestPropertyProvider;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Implement this on a {@code @MicronautTest} class (with {@code @TestInstance(PER_CLASS)}) to run
 * it against this JVM's real PostgreSQL, in a database of its own, and real Kafka broker.
 */
public interface RealInfrastructure extends TestPropertyProvider {

  @Override
  default Map<String, String> getProperties() {
    CompletableFuture<TestKafka> kafka = CompletableFuture.supplyAsync(TestKafka::get);
    TestPostgres.TestDatabase database =
        TestPostgres.get().createDatabase(getClass().getSimpleName());
    return Map.of(
        // The schema owner: it migrates; the services log in as the roles the migrations create.
        "agentplane.db.url", database.jdbcUrl(),
        "agentplane.db.user", database.user(),
        "agentplane.db.password", database.password(),
        "kafka.bootstrap.servers", kafka.join().bootstrapServers(),
        "agentplane.jwt.secret", TestTokens.SECRET,
        // Never the service's real port: tests run beside a devstack and beside each other.
        "micronaut.server.port", "-1");
  }
}
