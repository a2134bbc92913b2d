"""What every page is checked for: accessibility basics, and that nothing injected reached it."""

# Accessibility basics: a language, a title, one h1, headings that never skip a level going down,
# a label for every field, a name for every button, alt text on every image, and nothing wider
# than the window (which, in a phone-sized browser, is reading on a phone).
ACCESSIBILITY = r"""
const problems = [];
if (document.documentElement.lang !== 'en') problems.push('no lang="en"');
if (!document.title.trim()) problems.push('no title');
const h1s = document.querySelectorAll('h1');
if (h1s.length !== 1) problems.push(h1s.length + ' h1 elements');
let last = 0;
for (const heading of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
  const level = Number(heading.tagName[1]);
  if (level > last + 1) problems.push(heading.tagName + ' after h' + last + ': ' + heading.textContent.trim().slice(0, 40));
  last = level;
}
for (const field of document.querySelectorAll('input:not([type=hidden]), textarea, select')) {
  if (!field.labels || field.labels.length === 0) problems.push('field without a label: ' + field.name);
}
for (const field of document.querySelectorAll('[aria-describedby]')) {
  for (const id of field.getAttribute('aria-describedby').split(' ')) {
    if (!document.getElementById(id)) problems.push('aria-describedby names a missing element: ' + id);
  }
}
for (const button of document.querySelectorAll('button')) {
  if (!(button.getAttribute('aria-label') || button.textContent.trim())) problems.push('button without a name');
}
for (const image of document.querySelectorAll('img')) {
  if (!image.hasAttribute('alt')) problems.push('image without alt');
}
if (document.documentElement.scrollWidth > window.innerWidth + 1) {
  problems.push('wider than the window: ' + document.documentElement.scrollWidth + ' > ' + window.innerWidth);
}
return problems;
"""

# Injection: the corpus marks its elements with data-xss; no element may carry an event handler
# or a style attribute, no element the pages never use may appear (the only form that is not a
# POST is the layout's search box; the one SVG they use is a chart that the stats page draws in
# its own frame), and every address is http, https or mailto.
INJECTION = r"""
const problems = [];
for (const element of document.querySelectorAll('[data-xss]')) problems.push('injected element: ' + element.outerHTML.slice(0, 80));
for (const element of document.querySelectorAll('*')) {
  for (const attribute of element.attributes) {
    if (attribute.name.startsWith('on')) problems.push('event handler ' + attribute.name + ' on ' + element.tagName);
  }
  if (element.hasAttribute('style')) problems.push('style attribute on ' + element.tagName);
}
const foreign = 'script, iframe, object, embed, svg:not(.chart-frame > svg.chart), math, style, base, frame, frameset, video, audio, source, details, '
  + 'meta[http-equiv], link:not([rel=stylesheet]):not([rel=alternate][type="application/atom+xml"]), input[autofocus], '
  + 'form:not([method=post]):not([role=search][method=get][action="/search"])';
for (const element of document.querySelectorAll(foreign)) problems.push('unexpected element: ' + element.outerHTML.slice(0, 80));
const addresses = [['a[href]', 'href'], ['img[src]', 'src'], ['form[action]', 'action'], ['link[href]', 'href']];
for (const [selector, attribute] of addresses) {
  for (const element of document.querySelectorAll(selector)) {
    const protocol = new URL(element.getAttribute(attribute), location.href).protocol;
    if (!['http:', 'https:', 'mailto:'].includes(protocol)) problems.push(attribute + ' with ' + protocol + ' on ' + element.tagName);
  }
}
return problems;
"""


def accessibility_problems(browser):
    return browser.driver.execute_script(ACCESSIBILITY)


def injection_problems(browser):
    problems = list(browser.driver.execute_script(INJECTION))
    alert = browser.alert_text()
    if alert is not None:
        problems.append(f"a dialog opened: {alert!r}")
        browser.driver.switch_to.alert.dismiss()
    for entry in browser.console():
        message = entry.get("message", "")
        if "Content Security Policy" in message or "Refused to" in message:
            problems.append(f"the browser refused something: {message[:200]}")
    return problems


def audit(browser, what):
    """Fails with every problem of the page that is open."""
    problems = accessibility_problems(browser) + injection_problems(browser)
    assert not problems, f"{what} ({browser.path}): {problems}"
