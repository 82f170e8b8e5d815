package dev.agentplane.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL server per test JVM, started on first use: the embedded binaries, or the
 * server named by {@code AGENTPLANE_TEST_JDBC_URL} (a URL to an existing database, with user and
 * password as query parameters or in {@code AGENTPLANE_TEST_JDBC_USER}/{@code _PASSWORD}).
 */
public final class TestPostgres {

  /** Names the external server to use instead of the embedded one. */
  public static final String JDBC_URL_ENV = "AGENTPLANE_TEST_JDBC_URL";

  /**
   * Server settings for the embedded server, as {@code name=value} pairs separated by commas, e.g.
   * {@code fsync=on,synchronous_commit=on} for one that flushes every commit to disk as a
   * production server does (benchmarks of commit rates need it), or {@code
   * shared_preload_libraries=pg_stat_statements} to profile. Tests leave it unset: the embedded
   * server then skips fsync, which changes no result and saves time.
   */
  public static final String SETTINGS_ENV = "AGENTPLANE_TEST_PG_SETTINGS";

  private static final AtomicInteger DATABASE_SEQUENCE = new AtomicInteger();

  private final String adminUrl;
  private final String user;
  private final String password;

  private TestPostgres(String adminUrl, String user, String password) {
    this.adminUrl = adminUrl;
    this.user = user;
    this.password = password;
  }

  /** The server of this JVM, started on the first call. */
  public static TestPostgres get() {
    return Started.INSTANCE;
  }

  // Class initialization is lazy and thread-safe: the server starts on the first get().
  private static final class Started {
    private static final TestPostgres INSTANCE = start();
  }

  private static TestPostgres start() {
    String external = System.getenv(JDBC_URL_ENV);
    if (external != null && !external.isBlank()) {
      return new TestPostgres(
          external,
          System.getenv().getOrDefault("AGENTPLANE_TEST_JDBC_USER", ""),
          System.getenv().getOrDefault("AGENTPLANE_TEST_JDBC_PASSWORD", ""));
    }
    try {
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
      String settings = System.getenv(SETTINGS_ENV);
      if (settings != null && !settings.isBlank()) {
        for (String setting : settings.split(",")) {
          String[] nameAndValue = setting.split("=", 2);
          if (nameAndValue.length != 2) {
            throw new IllegalArgumentException(
                SETTINGS_ENV + " takes name=value pairs separated by commas, not " + setting);
          }
          // Given after zonky's own -F (fsync off) on the command line, so fsync=on wins.
          builder.setServerConfig(nameAndValue[0].trim(), nameAndValue[1].trim());
        }
      }
      EmbeddedPostgres postgres = builder.start();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      postgres.close();
                    } catch (IOException ignored) {
                      // The JVM is going away; the data directory is temporary either way.
                    }
                  },
                  "test-postgres-stop"));
      // The user goes beside the URL, not in it: a user named in the URL would win over the one a
      // service logs in as (its application and jobs roles), and every login would be the owner.
      return new TestPostgres(
          "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres", "postgres", "");
    } catch (IOException e) {
      throw new UncheckedIOException("Could not start embedded PostgreSQL", e);
    }
  }

  /**
   * Creates an empty database that no other test uses and returns its JDBC URL.
   *
   * @param purpose a hint for the name, e.g. the test class
   */
  public TestDatabase createDatabase(String purpose) {
    String name =
        ("t_"
                + purpose.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_")
                + "_"
                + ProcessHandle.current().pid()
                + "_"
                + DATABASE_SEQUENCE.incrementAndGet())
            .replaceAll("(.{60}).*", "$1");
    try (Connection connection = DriverManager.getConnection(adminUrl, user, password);
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE \"" + name + "\"");
    } catch (SQLException e) {
      throw new IllegalStateException("Could not create test database " + name, e);
    }
    return new TestDatabase(withDatabase(adminUrl, name), user, password);
  }

  private static String withDatabase(String url, String database) {
    int queryStart = url.indexOf('?');
    String base = queryStart < 0 ? url : url.substring(0, queryStart);
    String query = queryStart < 0 ? "" : url.substring(queryStart);
    int slash = base.lastIndexOf('/');
    return base.substring(0, slash + 1) + database + query;
  }

  /** A database created for one test class. */
  public record TestDatabase(String jdbcUrl, String user, String password) {

    /** Opens a plain connection, for assertions that look at the tables directly. */
    public Connection connect() throws SQLException {
      return DriverManager.getConnection(jdbcUrl, user, password);
    }
  }
}
