package dev.agentplane.approval.webhook;

import dev.agentplane.kit.problem.BadRequestException;
import dev.agentplane.kit.problem.FieldError;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/** An opaque keyset position (creation time, id) for webhook and delivery pages. */
record PageCursor(Instant createdAt, UUID id) {

  static final int DEFAULT_LIMIT = 50;
  static final int MAX_LIMIT = 200;

  String encode() {
    long micros = ChronoUnit.MICROS.between(Instant.EPOCH, createdAt);
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((micros + ":" + id).getBytes(StandardCharsets.UTF_8));
  }

  /** The cursor a page handed out, or null for the first page; a 400 naming cursor otherwise. */
  static PageCursor decode(String cursor) {
    if (cursor == null || cursor.isEmpty()) {
      return null;
    }
    try {
      String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      int colon = text.indexOf(':');
      long micros = Long.parseLong(text.substring(0, colon));
      return new PageCursor(
          Instant.EPOCH.plus(micros, ChronoUnit.MICROS),
          UUID.fromString(text.substring(colon + 1)));
    } catch (RuntimeException e) {
      throw badQuery("cursor", "cursor is not one this API returned");
    }
  }

  static int limit(Integer limit) {
    if (limit == null) {
      return DEFAULT_LIMIT;
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw badQuery("limit", "limit must be between 1 and " + MAX_LIMIT);
    }
    return limit;
  }

  private static BadRequestException badQuery(String parameter, String message) {
    return new BadRequestException(
        message, List.of(new FieldError("/" + parameter, "invalid_value", message)));
  }
}
