package dev.agentplane.kit.security;

import io.micronaut.core.convert.ArgumentConversionContext;
import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.bind.binders.TypedRequestArgumentBinder;
import io.micronaut.security.authentication.Authentication;
import jakarta.inject.Singleton;
import java.util.Optional;

/** Lets a controller method declare a {@link TenantPrincipal} parameter. */
@Singleton
final class TenantPrincipalBinder implements TypedRequestArgumentBinder<TenantPrincipal> {

  @Override
  public Argument<TenantPrincipal> argumentType() {
    return Argument.of(TenantPrincipal.class);
  }

  @Override
  public BindingResult<TenantPrincipal> bind(
      ArgumentConversionContext<TenantPrincipal> context, HttpRequest<?> source) {
    Optional<TenantPrincipal> principal =
        source.getUserPrincipal(Authentication.class).map(TenantPrincipal::from);
    return () -> principal;
  }
}
