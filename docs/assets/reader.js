/* Reader behaviour: progressive enhancement over plain Markdown output. */
