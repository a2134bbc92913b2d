"""Known cross-site scripting payloads: script tags, event handlers, javascript: addresses, SVG and
MathML, broken and nested markup, attribute and element break-outs, and Markdown's own ways to make
links and images. Every element a payload would make carries data-xss, and every script it would
run opens a dialog, so that a page that let one through shows it."""

HTML = [
    "<script data-xss>alert(1)</script>",
    '<img src=x onerror="alert(2)" data-xss>',
    "<svg data-xss onload=alert(3)>",
    "<svg><script data-xss>alert(4)</script></svg>",
    '<iframe data-xss src="javascript:alert(5)"></iframe>',
    '<a data-xss href="javascript:alert(6)">click</a>',
    '"><script data-xss>alert(7)</script>',
    "'><img data-xss src=x onerror=alert(8)>",
    "</textarea><script data-xss>alert(9)</script>",
    "</title><script data-xss>alert(10)</script>",
    "<body data-xss onload=alert(11)>",
    "<details data-xss open ontoggle=alert(12)>",
    "<math><mtext><table><mglyph><style><img data-xss src=x onerror=alert(13)>",
    "<scr<script>ipt data-xss>alert(14)</script>",
    '<img """><script data-xss>alert(15)</script>">',
    "<input data-xss autofocus onfocus=alert(16)>",
    '<object data-xss data="javascript:alert(17)"></object>',
    '<embed data-xss src="javascript:alert(18)">',
    '<form data-xss action="javascript:alert(19)"><button>go</button></form>',
    '<meta data-xss http-equiv="refresh" content="0;url=javascript:alert(20)">',
    '<base data-xss href="javascript:alert(21)//">',
    '<link data-xss rel=stylesheet href="javascript:alert(22)">',
    '<style data-xss>body{background:url("javascript:alert(23)")}</style>',
    '<div data-xss style="background:url(javascript:alert(24))">x</div>',
    "<!--<img data-xss src=x onerror=alert(25)>-->",
    "<img data-xss src=x onerror=alert(26)//",
    "<<script data-xss>alert(27);//<</script>",
    '<a href="jav&#x09;ascript:alert(28)" data-xss>x</a>',
    '<video data-xss><source onerror="alert(29)"></video>',
    "<noscript><p title=\"</noscript><img data-xss src=x onerror=alert(30)>\">",
    "{{xss}} {{{xss}}} ${alert(31)} <% alert(31) %>",
    "javascript:alert(32)",
]

# Markdown's links and images, and what Ink copies into attributes without escaping.
MARKDOWN = [
    "[click](javascript:alert(33))",
    "[click](JaVaScRiPt:alert(34))",
    "[click](javascript&colon;alert(35))",
    '![x" onerror="alert(36)](http://127.0.0.1/x.png)',
    '[x](http://a.example/" onclick="alert(37))',
    "&<img data-xss src=x onerror=alert(38)>;",
    '```x"onmouseover="alert(39)\ncode\n```',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCg0MCk8L3NjcmlwdD4=)",
    "[x][evil]\n\n[evil]: javascript:alert(41)",
    "![x](javascript:alert(42))",
]

ALL = HTML + MARKDOWN
