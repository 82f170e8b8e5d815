package dev.agentplane.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The devstack's own directory ({@code .agentplane/} by default): PostgreSQL and Kafka data, the
 * dev JWT secret, the admin token, the PIDs of a running stack and every process's log. Deleting it
 * (or {@code up --fresh}) starts from nothing.
 */
final class StateDirectory {

  private final Path root;

  StateDirectory(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  Path root() {
    return root;
  }

  Path postgresData() {
    return root.resolve("postgres");
  }

  Path kafka() {
    return root.resolve("kafka");
  }

  Path logs() {
    return root.resolve("logs");
  }

  Path log(String process) {
    return logs().resolve(process + ".log");
  }

  Path pidFile() {
    return root.resolve("pids");
  }

  Path adminTokenFile() {
    return root.resolve("admin-token");
  }

  private Path jwtSecretFile() {
    return root.resolve("jwt-secret");
  }

  /** Deletes everything the stack has stored: {@code up --fresh}. */
  void wipe() {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Could not delete " + root, e);
    }
  }

  /** Creates the directory; it ignores itself in Git, so the repository needs no entry for it. */
  void create() {
    try {
      Files.createDirectories(logs());
      Path gitignore = root.resolve(".gitignore");
      if (!Files.exists(gitignore)) {
        Files.writeString(gitignore, "# Local devstack state, see ./agentplane help\n*\n");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Could not create " + root, e);
    }
  }

  /**
   * The HS256 secret of this dev stack: generated on the first start and kept, so tokens minted
   * earlier stay valid across restarts.
   */
  String jwtSecret() {
    Path file = jwtSecretFile();
    try {
      if (Files.exists(file)) {
        return Files.readString(file, StandardCharsets.UTF_8).trim();
      }
      byte[] random = new byte[48];
      new SecureRandom().nextBytes(random);
      String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      writePrivate(file, secret + "\n");
      return secret;
    } catch (IOException e) {
      throw new UncheckedIOException("Could not read or create " + file, e);
    }
  }

  /** Writes a file only its owner can read (secrets, tokens). */
  static void writePrivate(Path file, String content) throws IOException {
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(temporary);
    try {
      Files.createFile(
          temporary,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException | FileAlreadyExistsException e) {
      // Not a POSIX file system: the default permissions are the best we can do.
    }
    Files.writeString(temporary, content, StandardCharsets.UTF_8);
    Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * Starts a fresh log for a process, keeping the previous run's as {@code <name>.previous.log} so
   * a crash that made the user restart is still there to read.
   */
  Path freshLog(String process) {
    Path log = log(process);
    try {
      if (Files.exists(log)) {
        Files.move(
            log, logs().resolve(process + ".previous.log"), StandardCopyOption.REPLACE_EXISTING);
      }
      return log;
    } catch (IOException e) {
      throw new UncheckedIOException("Could not rotate " + log, e);
    }
  }

  /** A path as the user should read it: relative to the working directory when inside it. */
  static String display(Path path) {
    Path workingDirectory = Path.of("").toAbsolutePath();
    Path absolute = path.toAbsolutePath().normalize();
    return absolute.startsWith(workingDirectory) && !absolute.equals(workingDirectory)
        ? workingDirectory.relativize(absolute).toString()
        : absolute.toString();
  }
}
