package io.github.keyspaceevents.sample.shop;

import java.util.List;

import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamReadException;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Turns refused requests into RFC 9457 problem details that name the field, SKU or order at fault.
 */
@RestControllerAdvice
class ShopProblems extends ResponseEntityExceptionHandler {

	@ExceptionHandler(ShopException.class)
	ProblemDetail shopProblem(ShopException ex) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(ex.status(), ex.getMessage());
		problem.setTitle(ex.title());
		ex.properties().forEach(problem::setProperty);
		return problem;
	}

	@Override
	protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		ProblemDetail problem = ProblemDetail.forStatus(HttpStatus.BAD_REQUEST);
		problem.setTitle("Unreadable request body");
		String field = fieldOf(ex);
		if (ex.getCause() instanceof StreamReadException malformed) {
			// Not JSON at all (cut off, a stray comma): where it broke, not which field it was reading.
			problem.setDetail("The body is not valid JSON: " + malformed.getOriginalMessage()
					+ ((malformed.getLocation() != null) ? " (line " + malformed.getLocation().getLineNr() + ", column "
							+ malformed.getLocation().getColumnNr() + ")" : ""));
		}
		else if (field != null) {
			problem.setDetail("'" + field + "' has a value of the wrong type");
			problem.setProperty("field", field);
		}
		else {
			problem.setDetail("The body must be JSON like {\"items\":[{\"sku\":\"...\",\"quantity\":1}]}");
		}
		return ResponseEntity.badRequest().body(problem);
	}

	private static String fieldOf(HttpMessageNotReadableException ex) {
		Throwable cause = ex.getCause();
		if (cause instanceof JacksonException jackson && !jackson.getPath().isEmpty()) {
			StringBuilder field = new StringBuilder();
			List<JacksonException.Reference> path = jackson.getPath();
			for (JacksonException.Reference reference : path) {
				if (reference.getPropertyName() != null) {
					field.append(field.isEmpty() ? "" : ".").append(reference.getPropertyName());
				}
				else if (reference.getIndex() >= 0) {
					field.append('[').append(reference.getIndex()).append(']');
				}
			}
			return field.toString();
		}
		return null;
	}

}
