"""Common English given-name variants, so "Bob Smith" can meet "Robert Smith".

Upper-case nickname -> upper-case formal name. A short list of the forms London registers meet
most often; a place can extend it. Names from other naming traditions are compared by spelling.
"""

NICKNAMES: dict[str, str] = {
    "MAGGIE": "MARGARET", "MEG": "MARGARET", "PEGGY": "MARGARET", "LIZ": "ELIZABETH", "BETH": "ELIZABETH",
    "BETTY": "ELIZABETH", "LIZZIE": "ELIZABETH", "PAT": "PATRICIA", "PATTY": "PATRICIA", "SUE": "SUSAN",
    "SUSIE": "SUSAN", "KATE": "CATHERINE", "CATH": "CATHERINE", "CATHY": "CATHERINE", "BECKY": "REBECCA",
    "BECCA": "REBECCA", "JENNY": "JENNIFER", "JEN": "JENNIFER", "VICKY": "VICTORIA", "VICKI": "VICTORIA",
    "BILL": "WILLIAM", "BILLY": "WILLIAM", "WILL": "WILLIAM", "LIAM": "WILLIAM", "BOB": "ROBERT",
    "BOBBY": "ROBERT", "ROB": "ROBERT", "ROBBIE": "ROBERT", "DICK": "RICHARD", "RICH": "RICHARD",
    "RICKY": "RICHARD", "JIM": "JAMES", "JIMMY": "JAMES", "JAMIE": "JAMES", "TOM": "THOMAS",
    "TOMMY": "THOMAS", "MIKE": "MICHAEL", "MICK": "MICHAEL", "MICKEY": "MICHAEL", "TONY": "ANTHONY",
    "TED": "EDWARD", "EDDIE": "EDWARD", "ED": "EDWARD", "DAN": "DANIEL", "DANNY": "DANIEL",
    "SAM": "SAMUEL", "SAMMY": "SAMUEL", "JOE": "JOSEPH", "JOEY": "JOSEPH", "BEN": "BENJAMIN",
    "BENNY": "BENJAMIN", "CHRIS": "CHRISTOPHER", "KIT": "CHRISTOPHER", "PADDY": "PATRICK",
    "ABBY": "ABIGAIL", "ABBIE": "ABIGAIL", "DEBBIE": "DEBORAH", "DEB": "DEBORAH",
    "KATH": "KATHLEEN", "KATHY": "KATHLEEN", "ANDY": "ANDREW", "DREW": "ANDREW", "DAVE": "DAVID",
    "DAVY": "DAVID", "FRED": "FREDERICK", "FREDDIE": "FREDERICK", "MATT": "MATTHEW", "MATTY": "MATTHEW",
    "ALF": "ALFRED", "ALFIE": "ALFRED", "HARRY": "HENRY", "HAL": "HENRY", "JACK": "JOHN", "JOHNNY": "JOHN",
    "NICK": "NICHOLAS", "STEVE": "STEPHEN", "ALEX": "ALEXANDER", "SANDY": "ALEXANDRA", "JO": "JOANNA",
    "NELL": "HELEN", "ELLIE": "ELEANOR", "MOLLY": "MARY", "POLLY": "MARY", "SALLY": "SARAH",
    "MO": "MOHAMMED", "MOHAMED": "MOHAMMED", "MUHAMMAD": "MOHAMMED", "MOHAMMAD": "MOHAMMED",
}  # fmt: skip
