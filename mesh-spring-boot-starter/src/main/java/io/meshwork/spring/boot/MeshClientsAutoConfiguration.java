package io.meshwork.spring.boot;

import io.meshwork.core.Mesh;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Import;
import org.springframework.web.client.support.RestClientAdapter;
import org.springframework.web.service.invoker.HttpServiceProxyFactory;

/**
 * {@link MeshClient} interfaces in the application's packages become beans. Backs off when the
 * application names its packages with {@link EnableMeshClients}.
 */
@AutoConfiguration(after = MeshHttpAutoConfiguration.class)
@ConditionalOnClass({HttpServiceProxyFactory.class, RestClientAdapter.class, okhttp3.OkHttpClient.class})
@ConditionalOnBean({Mesh.class, OkHttpClientHttpRequestFactory.class})
@ConditionalOnMissingBean(MeshClientsRegistrar.ExplicitScan.class)
@Import(MeshClientsRegistrar.Auto.class)
public class MeshClientsAutoConfiguration {}
