package dev.agentplane.devstack;

import dev.agentplane.devstack.StackOptions.ExternalDatabase;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The stack's PostgreSQL: the embedded server with its data kept under {@code .agentplane/postgres}
 * (so a restart keeps every agent and run), or the server named by {@code AGENTPLANE_DB_URL}. All
 * services share database {@value #DATABASE}; each migrates its own schema.
 */
final class Postgres implements AutoCloseable {

  static final String ROLE = "postgres";
  static final String DATABASE = "agentplane";
  private static final String SUPERUSER = "postgres";
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);

  private final EmbeddedPostgres embedded;
  private final Path dataDirectory;
  private final Database database;

  private Postgres(EmbeddedPostgres embedded, Path dataDirectory, Database database) {
    this.embedded = embedded;
    this.dataDirectory = dataDirectory;
    this.database = database;
  }

  /** How the services connect. */
  record Database(String jdbcUrl, String user, String password) {}

  static Postgres startEmbedded(StateDirectory state) {
    Path log = state.freshLog(ROLE);
    Path dataDirectory = state.postgresData();
    // A free port each time: only the services need to know it, and they are told at start.
    int port = PortCheck.freePort();
    EmbeddedPostgres server;
    try {
      server =
          EmbeddedPostgres.builder()
              .setDataDirectory(dataDirectory)
              .setCleanDataDirectory(false)
              .setPort(port)
              // The launcher stops PostgreSQL itself, after the services that use it.
              .setRegisterShutdownHook(false)
              .setPGStartupWait(Duration.ofSeconds(60))
              // The embedded binaries default to fsync off and asynchronous commits, fine for
              // throwaway test databases; this one keeps the stack's data across restarts and
              // backs the promise that every step is on disk before the next begins.
              .setServerConfig("fsync", "on")
              .setServerConfig("synchronous_commit", "on")
              .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException | RuntimeException e) {
      throw StartupFailure.withLog("Embedded PostgreSQL did not start: " + e.getMessage(), log);
    }
    Postgres postgres =
        new Postgres(
            server,
            dataDirectory,
            new Database(
                "jdbc:postgresql://127.0.0.1:" + server.getPort() + "/" + DATABASE, SUPERUSER, ""));
    try {
      createDatabaseIfMissing(server.getJdbcUrl(SUPERUSER, "postgres"));
    } catch (SQLException e) {
      postgres.close();
      throw StartupFailure.withLog(
          "Could not create database " + DATABASE + ": " + e.getMessage(), log);
    }
    return postgres;
  }

  /** The user's own server; checked now so a wrong URL fails here, not in four service logs. */
  static Postgres external(ExternalDatabase external) {
    try (Connection connection =
        DriverManager.getConnection(external.jdbcUrl(), external.user(), external.password())) {
      connection.isValid(5);
    } catch (SQLException e) {
      throw new StartupFailure(
          "Cannot connect to AGENTPLANE_DB_URL " + external.jdbcUrl() + ": " + e.getMessage());
    }
    return new Postgres(
        null, null, new Database(external.jdbcUrl(), external.user(), external.password()));
  }

  private static void createDatabaseIfMissing(String adminUrl) throws SQLException {
    try (Connection connection = DriverManager.getConnection(adminUrl);
        PreparedStatement exists =
            connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
      exists.setString(1, DATABASE);
      try (ResultSet result = exists.executeQuery()) {
        if (result.next()) {
          return;
        }
      }
      try (Statement create = connection.createStatement()) {
        create.execute("CREATE DATABASE " + DATABASE);
      }
    }
  }

  Database database() {
    return database;
  }

  boolean isEmbedded() {
    return embedded != null;
  }

  /** The embedded server's main process, which pg_ctl detaches from the launcher. */
  Optional<ProcessHandle> postmaster() {
    return embedded == null ? Optional.empty() : runningPostmaster(dataDirectory);
  }

  /**
   * The postmaster serving a data directory, from the first line of its {@code postmaster.pid};
   * empty when none is running.
   */
  static Optional<ProcessHandle> runningPostmaster(Path dataDirectory) {
    Path pidFile = dataDirectory.resolve("postmaster.pid");
    try {
      if (!Files.exists(pidFile)) {
        return Optional.empty();
      }
      List<String> lines = Files.readAllLines(pidFile);
      if (lines.isEmpty()) {
        return Optional.empty();
      }
      return ProcessHandle.of(Long.parseLong(lines.get(0).trim()))
          .filter(ProcessHandle::isAlive)
          .filter(Postgres::isPostgres);
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static boolean isPostgres(ProcessHandle process) {
    // A stale postmaster.pid can name a PID that now belongs to something else.
    return process.info().command().map(command -> command.endsWith("postgres")).orElse(true);
  }

  @Override
  public void close() {
    if (embedded == null) {
      return;
    }
    Optional<ProcessHandle> postmaster = postmaster();
    try {
      // pg_ctl stop -m fast: sessions are ended, the data is checkpointed.
      embedded.close();
    } catch (IOException e) {
      System.err.println("Could not stop PostgreSQL cleanly: " + e.getMessage());
    }
    // pg_ctl returns once postmaster.pid is gone, a moment before the process itself is.
    postmaster.ifPresent(
        process -> {
          if (!GracefulStop.awaitExit(List.of(process), STOP_TIMEOUT)) {
            GracefulStop.stop(process, Duration.ZERO);
          }
        });
  }
}
