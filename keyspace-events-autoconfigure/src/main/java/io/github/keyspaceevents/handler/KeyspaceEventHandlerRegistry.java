package io.github.keyspaceevents.handler;

import io.github.keyspaceevents.notification.RedisEvents;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.keyspaceevents.KeyspaceEventHandler;
import io.github.keyspaceevents.KeyspaceEventsConfigurationException;
import io.github.keyspaceevents.annotation.OnKeyEvent;

import org.jspecify.annotations.Nullable;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.context.EmbeddedValueResolverAware;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.core.annotation.MergedAnnotation;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.annotation.MergedAnnotations.SearchStrategy;
import org.springframework.core.annotation.RepeatableContainers;
import org.springframework.util.StringValueResolver;

/**
 * Finds {@link OnKeyEvent} methods (directly, through the shortcuts or through user meta-annotations) on every bean
 * and keeps them as handlers. Runs last among post-processors so that it sees AOP proxies and invokes handlers through
 * them ({@code @Transactional} handlers work). A handler that cannot work (bad parameter, unknown event, empty
 * pattern) fails the creation of its bean with a message naming the bean and the method.
 * <p>
 * Handlers are collected until every singleton is instantiated; the subscription is made from that set. A handler on
 * a bean that is not a singleton (prototype, request or session scope), or on a singleton created only later (an
 * explicitly {@code @Lazy} bean), would never receive events, or receive them once per instance: such a bean is refused
 * with an error naming it. Beans with handlers are kept out of {@code spring.main.lazy-initialization}, as Boot does
 * for {@code @Scheduled} beans ({@link #lazyInitializationExcludeFilter()}).
 */
public final class KeyspaceEventHandlerRegistry
		implements BeanPostProcessor, EmbeddedValueResolverAware, BeanFactoryAware, SmartInitializingSingleton, Ordered {

	private final List<HandlerMethod> handlerMethods = new CopyOnWriteArrayList<>();

	// Most beans have no handler methods; remember their classes to skip the introspection next time.
	private final Set<Class<?>> classesWithoutHandlers = Collections.newSetFromMap(new ConcurrentHashMap<>(64));

	private StringValueResolver valueResolver = (value) -> value;

	private @Nullable ConfigurableListableBeanFactory beanFactory;

	private volatile boolean collected;

	/**
	 * Keep beans with handler methods out of lazy initialization.
	 * @return the filter, to be registered as a bean
	 */
	public static LazyInitializationExcludeFilter lazyInitializationExcludeFilter() {
		return (beanName, definition, type) -> hasHandlerMethods(type);
	}

	private static boolean hasHandlerMethods(@Nullable Class<?> type) {
		return type != null && AnnotationUtils.isCandidateClass(type, OnKeyEvent.class)
				&& !MethodIntrospector.selectMethods(type, (MethodIntrospector.MetadataLookup<Boolean>) (method) ->
					MergedAnnotations.from(method, SearchStrategy.DIRECT, RepeatableContainers.standardRepeatables())
						.isPresent(OnKeyEvent.class) ? Boolean.TRUE : null).isEmpty();
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		if (beanFactory instanceof ConfigurableListableBeanFactory listable) {
			this.beanFactory = listable;
		}
	}

	@Override
	public void afterSingletonsInstantiated() {
		this.collected = true;
		ConfigurableListableBeanFactory beanFactory = this.beanFactory;
		// Key variables are converted as Boot converts properties and web arguments: its application converters, plus
		// the application's own Converter, GenericConverter and Formatter beans.
		ApplicationConversionService conversionService = new ApplicationConversionService();
		if (beanFactory != null) {
			ApplicationConversionService.addBeans(conversionService, beanFactory);
		}
		this.handlerMethods.forEach((handler) -> handler.bind(conversionService));
		if (beanFactory == null) {
			return;
		}
		Set<String> registered = new java.util.HashSet<>();
		this.handlerMethods.forEach((handler) -> registered.add(handler.handler().beanName()));
		// Beans not created by now never will be, or only per use: their handlers cannot be subscribed.
		for (String beanName : beanFactory.getBeanDefinitionNames()) {
			BeanDefinition definition = beanFactory.getMergedBeanDefinition(beanName);
			if (definition.isAbstract() || registered.contains(beanName)) {
				continue;
			}
			Class<?> type = beanFactory.getType(beanName, false);
			if (hasHandlerMethods(type)) {
				refuse(beanName, type, definition);
			}
		}
	}

	@Override
	public void setEmbeddedValueResolver(StringValueResolver resolver) {
		this.valueResolver = resolver;
	}

	@Override
	public int getOrder() {
		return LOWEST_PRECEDENCE;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		Class<?> targetClass = AopUtils.getTargetClass(bean);
		if (this.classesWithoutHandlers.contains(targetClass)
				|| !AnnotationUtils.isCandidateClass(targetClass, OnKeyEvent.class)) {
			return bean;
		}
		Map<Method, List<MergedAnnotation<OnKeyEvent>>> annotated = MethodIntrospector.selectMethods(targetClass,
				(MethodIntrospector.MetadataLookup<List<MergedAnnotation<OnKeyEvent>>>) (method) -> {
					List<MergedAnnotation<OnKeyEvent>> found = MergedAnnotations
						.from(method, SearchStrategy.DIRECT, RepeatableContainers.standardRepeatables())
						.stream(OnKeyEvent.class)
						.toList();
					return found.isEmpty() ? null : found;
				});
		if (annotated.isEmpty()) {
			this.classesWithoutHandlers.add(targetClass);
			return bean;
		}
		refuseIfNotCollectable(beanName, targetClass);
		annotated.forEach((method, annotations) -> register(bean, beanName, method, annotations));
		return bean;
	}

	/**
	 * Return the registered handlers, in registration order.
	 * @return the handlers
	 */
	public List<KeyspaceEventHandler> handlers() {
		return this.handlerMethods.stream().map(HandlerMethod::handler).toList();
	}

	public List<HandlerMethod> handlerMethods() {
		return List.copyOf(this.handlerMethods);
	}

	private void register(Object bean, String beanName, Method method,
			List<MergedAnnotation<OnKeyEvent>> annotations) {
		Method invocable = AopUtils.selectInvocableMethod(method, bean.getClass());
		// Each declaration is its own handler, so that @OnKeyExpired("a:*") @OnKeyDeleted("b:*") keep their pairing.
		for (MergedAnnotation<OnKeyEvent> annotation : annotations) {
			KeyspaceEventHandler handler = new KeyspaceEventHandler(beanName, method, patterns(annotation),
					events(annotation));
			validate(handler, annotation);
			this.handlerMethods.add(new HandlerMethod(handler, bean, invocable));
		}
	}

	private void refuseIfNotCollectable(String beanName, Class<?> type) {
		ConfigurableListableBeanFactory beanFactory = this.beanFactory;
		BeanDefinition definition = (beanFactory != null && beanFactory.containsBeanDefinition(beanName))
				? beanFactory.getMergedBeanDefinition(beanName) : null;
		if (this.collected || (definition != null && !definition.isSingleton())) {
			refuse(beanName, type, definition);
		}
	}

	private static void refuse(String beanName, Class<?> type, @Nullable BeanDefinition definition) {
		if (definition != null && !definition.isSingleton()) {
			throw new KeyspaceEventsConfigurationException(("Bean '%s' (%s) declares keyspace event handlers but is "
					+ "%s-scoped: only a singleton's handlers are subscribed").formatted(beanName, type.getName(),
							definition.getScope()),
					"Declare the handlers on a singleton bean, which may call the scoped bean '" + beanName + "'.");
		}
		throw new KeyspaceEventsConfigurationException(("Bean '%s' (%s) declares keyspace event handlers but was not "
				+ "created at startup (is it @Lazy?): its handlers would never receive events")
			.formatted(beanName, type.getName()),
				"Remove @Lazy from bean '" + beanName + "' so that its handlers are registered at startup.");
	}

	private List<String> patterns(MergedAnnotation<OnKeyEvent> annotation) {
		List<String> patterns = new ArrayList<>();
		for (String pattern : annotation.getStringArray("value")) {
			String resolved = this.valueResolver.resolveStringValue(pattern);
			patterns.add((resolved != null) ? resolved : pattern);
		}
		return patterns;
	}

	private static Set<String> events(MergedAnnotation<OnKeyEvent> annotation) {
		return new LinkedHashSet<>(Arrays.asList(annotation.getStringArray("events")));
	}

	private static void validate(KeyspaceEventHandler handler, MergedAnnotation<OnKeyEvent> annotation) {
		String declared = "@" + annotation.getRoot().getType().getSimpleName();
		if (handler.patterns().isEmpty()) {
			throw new KeyspaceEventsConfigurationException(
					"Keyspace event handler %s: %s declares no key pattern; use \"*\" to handle every key"
						.formatted(handler, declared),
					"Add a key pattern to " + declared + " on " + handler + ", e.g. " + declared + "(\"order:*\").");
		}
		if (handler.events().isEmpty()) {
			throw new KeyspaceEventsConfigurationException(
					"Keyspace event handler %s: %s declares no event".formatted(handler, declared),
					"Name the Redis events in " + declared + "(events = …) on " + handler + ".");
		}
		for (String event : handler.events()) {
			if (!RedisEvents.isKnown(event)) {
				throw new KeyspaceEventsConfigurationException(
						"Keyspace event handler %s: %s".formatted(handler, RedisEvents.unknownEventMessage(event)),
						"Use one of the known event names in " + declared + " on " + handler + ".");
			}
		}
	}

}
