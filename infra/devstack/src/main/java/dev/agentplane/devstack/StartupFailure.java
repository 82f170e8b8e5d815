package dev.agentplane.devstack;

import java.nio.file.Path;
import java.util.List;

/** Something did not come up; reported with the end of its log, after which the stack stops. */
final class StartupFailure extends RuntimeException {

  private final transient List<LogExcerpt> logs;

  StartupFailure(String message, List<LogExcerpt> logs) {
    super(message);
    this.logs = List.copyOf(logs);
  }

  StartupFailure(String message) {
    this(message, List.of());
  }

  /** A failure explained by the end of one log file. */
  static StartupFailure withLog(String message, Path log) {
    return new StartupFailure(message, List.of(LogExcerpt.tail(log)));
  }

  List<LogExcerpt> logs() {
    return logs;
  }

  /** The last lines of a process's log. */
  record LogExcerpt(Path log, List<String> lines) {

    static final int LINES = 30;

    static LogExcerpt tail(Path log) {
      return new LogExcerpt(log, ChildJvm.lastLines(log, LINES));
    }
  }
}
