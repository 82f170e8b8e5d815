package dev.agentplane.gateway.edge;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.List;

/**
 * Cross-origin access for the web console ({@code agentplane.gateway.cors.*}). With no allowed
 * origins (the default) no cross-origin request is allowed.
 *
 * @param allowedOrigins exact origins, e.g. {@code https://console.example.com}
 */
@ConfigurationProperties("agentplane.gateway.cors")
public record CorsSettings(
    @Bindable(defaultValue = "") @NotNull List<String> allowedOrigins,
    @Bindable(defaultValue = "GET,POST,PUT,PATCH,DELETE") @NotNull List<String> allowedMethods,
    @Bindable(
            defaultValue =
                "Authorization,Content-Type,Accept,X-Request-Id,traceparent,Idempotency-Key,"
                    + "If-Match,If-None-Match,Last-Event-ID")
        @NotNull
        List<String> allowedHeaders,
    @Bindable(defaultValue = "X-Request-Id,RateLimit,RateLimit-Policy,Retry-After,Location,ETag")
        @NotNull
        List<String> exposedHeaders,
    @Bindable(defaultValue = "10m") @NotNull Duration maxAge) {}
