package dev.agentplane.execution.tool.http;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body read up to a number of bytes: past it the subscription is cancelled, which closes
 * the connection instead of downloading the rest, and the text says it was cut.
 *
 * @param truncated whether the body went on past the cap
 */
record CappedBody(String text, boolean truncated) {

  /**
   * Reads successful (2xx) bodies up to {@code successBytes} and others, of which only a prefix is
   * shown, up to {@code failureBytes}.
   */
  static HttpResponse.BodyHandler<CappedBody> upTo(int successBytes, int failureBytes) {
    return response ->
        new Reader(
            response.statusCode() / 100 == 2 ? successBytes : failureBytes,
            charsetOf(response.headers()));
  }

  private static Charset charsetOf(HttpHeaders headers) {
    String contentType = headers.firstValue("Content-Type").orElse("");
    for (String parameter : contentType.split(";")) {
      String[] pair = parameter.trim().split("=", 2);
      if (pair.length == 2 && pair[0].trim().toLowerCase(Locale.ROOT).equals("charset")) {
        try {
          return Charset.forName(pair[1].trim().replace("\"", ""));
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
          return StandardCharsets.UTF_8;
        }
      }
    }
    return StandardCharsets.UTF_8;
  }

  private static final class Reader implements HttpResponse.BodySubscriber<CappedBody> {

    private final int capBytes;
    private final Charset charset;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final CompletableFuture<CappedBody> body = new CompletableFuture<>();
    private Flow.Subscription subscription;

    Reader(int capBytes, Charset charset) {
      this.capBytes = capBytes;
      this.charset = charset;
    }

    @Override
    public CompletionStage<CappedBody> getBody() {
      return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      subscription.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      if (body.isDone()) {
        return; // signals may still arrive after the cancel
      }
      for (ByteBuffer buffer : buffers) {
        int room = capBytes - received.size();
        if (buffer.remaining() > room) {
          byte[] part = new byte[room];
          buffer.get(part);
          received.writeBytes(part);
          subscription.cancel();
          body.complete(new CappedBody(decoded(true), true));
          return;
        }
        byte[] whole = new byte[buffer.remaining()];
        buffer.get(whole);
        received.writeBytes(whole);
      }
      subscription.request(1);
    }

    @Override
    public void onError(Throwable failure) {
      body.completeExceptionally(failure);
    }

    @Override
    public void onComplete() {
      body.complete(new CappedBody(decoded(false), false));
    }

    // A cut body may end inside a multi-byte character; that tail is dropped, not garbled.
    private String decoded(boolean cut) {
      CharsetDecoder decoder =
          charset
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPLACE)
              .onUnmappableCharacter(CodingErrorAction.REPLACE);
      ByteBuffer bytes = ByteBuffer.wrap(received.toByteArray());
      CharBuffer text =
          CharBuffer.allocate(
              (int) Math.ceil(bytes.remaining() * (double) decoder.maxCharsPerByte()) + 1);
      decoder.decode(bytes, text, !cut);
      if (!cut) {
        decoder.flush(text);
      }
      return text.flip().toString();
    }
  }
}
